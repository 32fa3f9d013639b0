/* paths.h - the object paths of the tree on D-Bus: "/org/lwm2md1/object/<oid>"
 * for a definition, ".../<oid>/<iid>" for an instance, IDs in canonical decimal. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* A decimal ID in canonical form (no sign, no leading zero), 0..65534, of
 * `len` characters. -EINVAL otherwise. */
int bus_parse_id(const char *s, size_t len, uint16_t *out);
/* Parses "/org/lwm2md1/object/<oid>/<iid>" (only that depth). */
int bus_parse_instance_path(const char *path, uint16_t *oid, uint16_t *iid);
/* Parses "/org/lwm2md1/object/<oid>" exactly. */
int bus_parse_object_path(const char *path, uint16_t *oid);
/* "/org/lwm2md1/object/<oid>/<iid>" into `buf` (at least 48 bytes). */
void export_instance_path(uint16_t oid, uint16_t iid, char *buf, size_t size);
