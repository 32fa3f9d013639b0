/* fw_command.h - a firmware image installed by a configured command: the image path as its
 * last argument, no shell, its exit status the outcome; its output goes to the journal. */
#pragma once

#include <systemd/sd-event.h>

typedef struct fw_command fw_command;

/* `done` gets 0 (exit status 0) or -EIO (any other end, logged with the status). */
typedef void (*fw_command_done_fn)(void *userdata, int error);

/* Runs `command image_path`. NULL with errno set when it cannot be started (logged). */
fw_command *fw_command_run(sd_event *event, const char *command, const char *image_path,
                           fw_command_done_fn done, void *userdata);
/* Stops waiting for it (the command runs on; `done` is not called). NULL is fine. */
void fw_command_forget(fw_command *c);
