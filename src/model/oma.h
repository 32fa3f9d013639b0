/* oma.h - named IDs of the core OMA objects and of the resources the daemon
 * itself reads or fills, so that no other file spells an object by its number. */
#pragma once

enum {
        LWM2M_OBJ_SECURITY = 0,
        LWM2M_OBJ_SERVER = 1,
        LWM2M_OBJ_ACCESS_CONTROL = 2,
        LWM2M_OBJ_DEVICE = 3,
        LWM2M_OBJ_CONNECTIVITY_MONITORING = 4,
        LWM2M_OBJ_FIRMWARE_UPDATE = 5,
        LWM2M_OBJ_LOCATION = 6,
        LWM2M_OBJ_OSCORE = 21,
};

/* LwM2M Security (0) */
enum {
        LWM2M_SEC_URI = 0,
        LWM2M_SEC_BOOTSTRAP = 1,
        LWM2M_SEC_MODE = 2,
        LWM2M_SEC_IDENTITY = 3,   /* PSK identity, our public key (RPK) or certificate (X.509) */
        LWM2M_SEC_SERVER_KEY = 4, /* the server's public key (RPK) or certificate (X.509) */
        LWM2M_SEC_SECRET = 5,     /* PSK key or our private key */
        LWM2M_SEC_SMS_MODE = 6,
        LWM2M_SEC_SMS_KEY_PARAMS = 7,
        LWM2M_SEC_SMS_SECRET = 8,
        LWM2M_SEC_SMS_NUMBER = 9,
        LWM2M_SEC_SHORT_ID = 10,
        LWM2M_SEC_HOLD_OFF = 11,
        LWM2M_SEC_BOOTSTRAP_TIMEOUT = 12,
        LWM2M_SEC_CERT_USAGE = 15,
};

/* Security Mode (/0/x/2) values */
enum {
        LWM2M_SEC_MODE_PSK = 0,
        LWM2M_SEC_MODE_RPK = 1,
        LWM2M_SEC_MODE_X509 = 2,
        LWM2M_SEC_MODE_NOSEC = 3,
};

/* LwM2M Access Control (2) */
enum {
        LWM2M_ACL_OBJECT_ID = 0,   /* the object the instance's rights are for */
        LWM2M_ACL_INSTANCE_ID = 1, /* ... and its instance; LWM2M_ACL_OBJECT_ITSELF: Create */
        LWM2M_ACL_ACL = 2,         /* rights by Short Server ID; instance 0 the default */
        LWM2M_ACL_OWNER = 3,       /* the Access Control Owner's Short Server ID */
};

/* ACL resource instance values: one bit per right. */
enum {
        LWM2M_ACL_READ = 1 << 0, /* Read, Observe, Write-Attributes */
        LWM2M_ACL_WRITE = 1 << 1,
        LWM2M_ACL_EXECUTE = 1 << 2,
        LWM2M_ACL_DELETE = 1 << 3,
        LWM2M_ACL_CREATE = 1 << 4, /* only in an instance for LWM2M_ACL_OBJECT_ITSELF */
        LWM2M_ACL_INSTANCE_RIGHTS =
                LWM2M_ACL_READ | LWM2M_ACL_WRITE | LWM2M_ACL_EXECUTE | LWM2M_ACL_DELETE,
};

enum {
        LWM2M_ACL_DEFAULT_ENTRY = 0,       /* ACL instance for servers without their own */
        LWM2M_ACL_OBJECT_ITSELF = 65535,   /* Object Instance ID: rights on the object */
        LWM2M_ACL_OWNER_BOOTSTRAP = 65535, /* Owner: changed by bootstrap (or configuration) only */
};

/* LwM2M Server (1) */
enum {
        LWM2M_SRV_SHORT_ID = 0,
        LWM2M_SRV_LIFETIME = 1,
        LWM2M_SRV_DEFAULT_PMIN = 2,
        LWM2M_SRV_DEFAULT_PMAX = 3,
        LWM2M_SRV_DISABLE = 4,
        LWM2M_SRV_DISABLE_TIMEOUT = 5,
        LWM2M_SRV_STORING = 6,
        LWM2M_SRV_BINDING = 7,
        LWM2M_SRV_UPDATE_TRIGGER = 8,
        LWM2M_SRV_BOOTSTRAP_TRIGGER = 9,
        LWM2M_SRV_PRIORITY_ORDER = 13,
        LWM2M_SRV_INITIAL_DELAY = 14,
        LWM2M_SRV_FAILURE_BLOCK = 15,
        LWM2M_SRV_BOOTSTRAP_ON_FAILURE = 16,
        LWM2M_SRV_RETRY_COUNT = 17,
        LWM2M_SRV_RETRY_TIMER = 18,
        LWM2M_SRV_SEQUENCE_DELAY = 19,
        LWM2M_SRV_SEQUENCE_RETRY_COUNT = 20,
        LWM2M_SRV_MUTE_SEND = 23,
        LWM2M_SRV_DEFAULT_NOTIFY_MODE = 26,
};

/* Device (3) */
enum {
        LWM2M_DEV_MANUFACTURER = 0,
        LWM2M_DEV_MODEL = 1,
        LWM2M_DEV_SERIAL = 2,
        LWM2M_DEV_FIRMWARE_VERSION = 3,
        LWM2M_DEV_REBOOT = 4,
        LWM2M_DEV_FACTORY_RESET = 5,
        LWM2M_DEV_MEMORY_FREE = 10,
        LWM2M_DEV_ERROR_CODE = 11,
        LWM2M_DEV_RESET_ERROR_CODE = 12,
        LWM2M_DEV_CURRENT_TIME = 13,
        LWM2M_DEV_UTC_OFFSET = 14,
        LWM2M_DEV_TIMEZONE = 15,
        LWM2M_DEV_SUPPORTED_BINDING = 16,
        LWM2M_DEV_DEVICE_TYPE = 17,
        LWM2M_DEV_HARDWARE_VERSION = 18,
        LWM2M_DEV_SOFTWARE_VERSION = 19,
        LWM2M_DEV_MEMORY_TOTAL = 21,
};

/* Firmware Update (5), object version 1.1 */
enum {
        LWM2M_FW_PACKAGE = 0,
        LWM2M_FW_PACKAGE_URI = 1,
        LWM2M_FW_UPDATE = 2,
        LWM2M_FW_STATE = 3,
        LWM2M_FW_UPDATE_RESULT = 5,
        LWM2M_FW_PKG_NAME = 6,
        LWM2M_FW_PKG_VERSION = 7,
        LWM2M_FW_PROTOCOL_SUPPORT = 8,
        LWM2M_FW_DELIVERY_METHOD = 9,
        LWM2M_FW_CANCEL = 10,
        LWM2M_FW_SEVERITY = 11,
        LWM2M_FW_LAST_STATE_CHANGE = 12,
        LWM2M_FW_MAX_DEFER_PERIOD = 13,
};

/* Location (6) */
enum {
        LWM2M_LOC_LATITUDE = 0,
        LWM2M_LOC_LONGITUDE = 1,
        LWM2M_LOC_ALTITUDE = 2,
        LWM2M_LOC_RADIUS = 3,
        LWM2M_LOC_VELOCITY = 4,
        LWM2M_LOC_TIMESTAMP = 5,
        LWM2M_LOC_SPEED = 6,
};

/* OSCORE (21) */
enum {
        LWM2M_OSCORE_MASTER_SECRET = 0,
        LWM2M_OSCORE_MASTER_SALT = 5,
};
