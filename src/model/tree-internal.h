/* tree-internal.h - what the instance tree's two files share: the sorted-array
 * layout of objects, instances and resources, and the helpers that search it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/change.h"
#include "model/definition.h"
#include "model/owner.h"
#include "model/record.h"
#include "model/value.h"

typedef struct lwm2m_tree lwm2m_tree;

/* Every level is a sorted array searched by ID, so a resource costs one array
 * slot (40 bytes plus its value's bytes) and nothing else: the daemon's memory
 * budget is small and gateways hold many instances. Each element type starts
 * with its uint16_t ID so one binary search serves all levels. */

typedef struct tree_res_inst {
        uint16_t riid;
        lwm2m_value value;
} tree_res_inst;

typedef struct tree_resource {
        uint16_t rid;
        /* A multiple resource exists once written, even with no instances left,
         * so a Read can show it as empty. */
        bool multiple;
        /* When its provider measured it (SetValuesAt), for Send and SenML reads;
         * a write without a time clears it. One time for all of a multiple
         * resource's instances: they are pushed together. */
        bool has_time;
        union {
                lwm2m_value value; /* single: never NONE while stored */
                struct {
                        tree_res_inst *items;
                        uint32_t n;
                        uint32_t cap;
                } inst;
        };
        double time; /* seconds since the epoch, when has_time */
} tree_resource;

/* A resource slot is its value, the ID and a time (40 bytes on LP64); keep it so. */
_Static_assert(sizeof(tree_resource) <= sizeof(lwm2m_value) + 16, "tree_resource grew");

typedef struct tree_instance {
        uint16_t iid;
        uint16_t n; /* at most 65535 distinct resource IDs */
        uint16_t cap;
        tree_resource *res;
        const lwm2m_owner *owner; /* NULL: plain stored values */
} tree_instance;

typedef struct tree_object {
        uint16_t oid;
        uint32_t n;
        uint32_t cap;
        tree_instance *inst;
} tree_object;

typedef struct tree_object_owner {
        uint16_t oid;
        const lwm2m_owner *owner;
} tree_object_owner;

typedef struct tree_listener {
        lwm2m_listener_fn fn;
        void *userdata;
        bool quiet; /* lwm2m_tree_add_quiet_listener's: not a callout by itself */
} tree_listener;

struct lwm2m_tree {
        const lwm2m_registry *reg;
        tree_object *objects; /* only objects with at least one instance */
        size_t n_objects;
        size_t cap_objects;
        tree_listener *listeners;
        size_t n_listeners;
        size_t cap_listeners;
        tree_object_owner *object_owners; /* sorted by oid */
        size_t n_object_owners;
        size_t cap_object_owners;
        /* While above 0, changes are not announced (the steps of an atomic add). */
        unsigned quiet;
        uint64_t callouts;     /* see lwm2m_tree_callouts */
        size_t loud_listeners; /* listeners not added as quiet ones */
};

/* Index of the element with `id` in a sorted array whose elements start with
 * their uint16_t ID, or where it would be inserted. */
size_t tree_find_index(const void *base, size_t n, size_t stride, uint16_t id, bool *found);
/* Grows an array to hold `need` elements (doubling when `geometric`). */
int tree_grow_array(void **items, size_t stride, size_t *cap, size_t need, bool geometric);
tree_object *tree_find_object(const lwm2m_tree *t, uint16_t oid);
tree_instance *tree_find_instance(const lwm2m_tree *t, uint16_t oid, uint16_t iid);
tree_resource *tree_find_resource(const tree_instance *in, uint16_t rid);
tree_res_inst *tree_find_res_inst(const tree_resource *r, uint16_t riid);
void tree_resource_clear(tree_resource *r);
void tree_instance_clear(tree_instance *in);
/* Tells the listeners, unless the tree is quiet (inside an atomic add). */
void tree_notify(lwm2m_tree *t, const lwm2m_change *c);
void tree_notify_instance(lwm2m_tree *t, lwm2m_change_kind kind, uint16_t oid, uint16_t iid,
                          const void *origin);
/* tree_write.c: checks `recs` as one write and, when `commit`, stores them and
 * tells the listeners (see lwm2m_tree_write). */
int tree_write(lwm2m_tree *t, const lwm2m_path *base, const lwm2m_record *recs, size_t n,
               lwm2m_write_mode mode, const void *origin, bool commit, char *why, size_t why_size);
