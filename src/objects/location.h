/* location.h - the Location object (/6/0): a position from fixed configured values
 * or from gpsd's TPV reports, fed in as bytes by the daemon that owns the socket. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/tree.h"

/* gpsd lines longer than this without a newline mean the peer is not gpsd. */
#define LOCATION_MAX_LINE (64 * 1024)

typedef struct location_fix {
        double latitude;  /* degrees, -90..90 */
        double longitude; /* degrees, -180..180 */
        double altitude;  /* metres */
        double radius;    /* accuracy, metres */
        double speed;     /* metres per second */
        double track;     /* degrees clockwise from true north */
        int64_t time;     /* seconds since the epoch */
        bool has_altitude, has_radius, has_speed, has_track, has_time;
} location_fix;

#define LOCATION_VELOCITY_SIZE 4

/* Velocity (/6/0/4) as 3GPP TS 23.032 encodes "horizontal velocity" (type 0):
 * 4 bits of type, 3 spare, a 9-bit bearing in whole degrees (0..359) and a
 * 16-bit horizontal speed in whole km/h (rounded down, at most 65535). Speed in
 * metres per second (not negative), track in degrees (any finite value). */
void location_encode_velocity(double speed, double track, uint8_t out[LOCATION_VELOCITY_SIZE]);

/* One line of gpsd's JSON protocol (without the newline). 1 and *fix filled
 * for a TPV report with a 2D or 3D fix; 0 for any other report (VERSION,
 * DEVICES, a TPV without a fix); -EINVAL for a line that is not a gpsd
 * report or holds values out of range. */
int location_parse_gpsd_line(const char *line, size_t len, location_fix *fix);

typedef struct location_object location_object;

/* Stands behind /6/0. With `fixed` the instance is created at once with those
 * values; without, it appears with the first fix fed in. NULL with errno set. */
location_object *location_object_new(lwm2m_tree *tree, const location_fix *fixed);
void location_object_free(location_object *l);

/* Puts a fix in /6/0 as one change (one notification for observers). */
int location_object_update(location_object *l, const location_fix *fix);

/* Bytes read from gpsd: complete lines are parsed and fixes applied; garbage
 * lines are skipped and counted in *garbage (may be NULL), for the caller's log.
 * -EMSGSIZE when a line outgrows LOCATION_MAX_LINE (the connection should be
 * dropped). Returns the number of fixes applied. */
int location_object_feed(location_object *l, const char *bytes, size_t n, unsigned *garbage);
/* Forgets a partial line: call when a new connection starts. */
void location_object_reset_stream(location_object *l);
