/* server.h - the Server object's behaviour (/1/x): lifetime and binding writes checked;
 * Update Trigger, Disable and Bootstrap-Request Trigger handed on to the engine. */
#pragma once

#include <stdint.h>

#include "model/tree.h"

typedef struct server_object_actions {
        /* Registration Update Trigger (/1/x/8): send an Update to that server soon.
         * 0, or a negative errno (then the server gets an error). NULL refuses. */
        int (*update)(void *userdata, uint16_t short_id);
        /* Disable (/1/x/4), called once the Execute is answered: de-register and stay
         * away `seconds` (the Disable Timeout, /1/x/5). NULL refuses. */
        int (*disable)(void *userdata, uint16_t short_id, uint64_t seconds);
        /* Bootstrap-Request Trigger (/1/x/9): start a client-initiated bootstrap (its
         * request is sent after the Execute is answered). 0, or a negative errno for
         * the server (-EPERM: no bootstrap server). NULL refuses. */
        int (*bootstrap)(void *userdata, uint16_t short_id);
        void *userdata;
} server_object_actions;

typedef struct server_object server_object;

/* NULL with errno set on failure. */
server_object *server_object_new(lwm2m_tree *tree, const server_object_actions *actions);
/* Stands behind Server instance /1/iid. */
int server_object_own(server_object *o, uint16_t iid);
/* Gives up the instances it stands behind. */
void server_object_free(server_object *o);
