#!/bin/sh
# config-refused.sh - the daemon given a device, a FIFO, a directory, a binary file or
# a huge file with -c, or a file with a bad [send] section or a [bootstrap-server]
# without uri: it must exit with status 1, at once, with one message naming it.
set -eu
lwm2md=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/fifo"
mkdir "$dir/directory"
head -c 65536 /dev/urandom > "$dir/binary"
# A text file over the size limit (1 MiB): comment lines.
awk 'BEGIN { for (i = 0; i < 30000; i++) print "# a comment line, forty bytes long....." }' \
        > "$dir/huge"
# A periodic Send every 0 seconds: refused naming the file and the line.
printf '[server a]\nuri = coap://127.0.0.1\n[send temperature]\npaths = /3303/0/5700\ninterval = 0\n' \
        > "$dir/send.conf"
# A bootstrap server without its uri (a factory configuration with only that section).
printf '[bootstrap-server]\nhold-off = 5\n' > "$dir/bootstrap.conf"
failed=0
check() { # FILE EXPECTED-MESSAGE
        start=$(date +%s%N)
        status=0
        timeout 10 "$lwm2md" -c "$1" > "$dir/out" 2> "$dir/err" || status=$?
        ms=$((($(date +%s%N) - start) / 1000000))
        lines=$(wc -l < "$dir/err")
        naming=$(grep -c -F -- "$1" "$dir/err" || true)
        if [ "$status" != 1 ] || [ "$ms" -gt 5000 ] || [ "$naming" != 1 ] || [ "$lines" != 2 ] ||
                ! grep -q -F -- "$2" "$dir/err" || [ -s "$dir/out" ]; then
                echo "FAIL: lwm2md -c $1: status $status (want 1) after $ms ms," \
                        "$lines lines on stderr (want 2, one naming the file, with '$2'):"
                head -c 2000 "$dir/err"
                failed=1
        else
                echo "ok: lwm2md -c $1: status 1 after $ms ms: $(head -n 1 "$dir/err")"
        fi
}
check /dev/zero "is a character device, not a configuration file"
check /dev/urandom "is a character device, not a configuration file"
check "$dir/fifo" "is a FIFO, not a configuration file"
check "$dir/directory" "is a directory, not a configuration file"
check "$dir/binary" "not a text file, reading stopped"
check "$dir/huge" "too large for a configuration file"
check "$dir/send.conf" "send.conf:5: interval must be 1..4294967295 seconds, not '0'"
check "$dir/bootstrap.conf" "bootstrap.conf:2: [bootstrap-server]: no uri"
exit $failed
