# lwm2md links libcoap-3-gnutls: DTLS through GnuTLS, the same TLS library the daemon
# uses for its own certificate handling. meta-oe builds libcoap with OpenSSL by default
# and the TLS backends exclude each other, so this switches the whole build to GnuTLS.
PACKAGECONFIG:remove = "openssl mbedtls"
PACKAGECONFIG:append = " gnutls"
