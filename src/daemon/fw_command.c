/* fw_command.c - a firmware image installed by a configured command: the image path as its
 * last argument, no shell, its exit status the outcome; its output goes to the journal. */
#include "daemon/fw_command.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon/log.h"

extern char **environ;

struct fw_command {
        sd_event_source *child;
        fw_command_done_fn done;
        void *userdata;
        char *command;
};

static void free_command(fw_command *c)
{
        sd_event_source_unref(c->child);
        free(c->command);
        free(c);
}

static int on_command_exit(sd_event_source *s, const siginfo_t *si, void *userdata)
{
        fw_command *c = userdata;
        if (!c) { /* forgotten: only reaped */
                sd_event_source_unref(s);
                return 0;
        }
        int error = 0;
        if (si->si_code == CLD_EXITED && si->si_status == 0)
                log_notice("firmware: %s installed the image", c->command);
        else {
                error = -EIO;
                if (si->si_code == CLD_EXITED)
                        log_warning("firmware: %s failed with exit status %d", c->command,
                                    si->si_status);
                else
                        log_warning("firmware: %s was killed by signal %s", c->command,
                                    strsignal(si->si_status));
        }
        fw_command_done_fn done = c->done;
        void *userdata_ = c->userdata;
        free_command(c);
        done(userdata_, error);
        return 0;
}

fw_command *fw_command_run(sd_event *event, const char *command, const char *image_path,
                           fw_command_done_fn done, void *userdata)
{
        fw_command *c = calloc(1, sizeof(*c));
        if (!c || !(c->command = strdup(command))) {
                free(c);
                errno = ENOMEM;
                return NULL;
        }
        c->done = done;
        c->userdata = userdata;
        /* The daemon blocks the signals it handles; the command starts with none blocked. */
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attr, &none);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
        char *argv[] = {c->command, (char *)image_path, NULL};
        pid_t pid;
        int r = posix_spawn(&pid, c->command, NULL, &attr, argv, environ);
        posix_spawnattr_destroy(&attr);
        if (r != 0) {
                log_error("firmware: cannot run %s: %s", command, strerror(r));
                free_command(c);
                errno = r;
                return NULL;
        }
        log_info("firmware: running %s %s (pid %d)", command, image_path, (int)pid);
        r = sd_event_add_child(event, &c->child, pid, WEXITED, on_command_exit, c);
        if (r < 0) {
                log_error("firmware: cannot watch %s: %s", command, strerror(-r));
                free_command(c);
                errno = -r;
                return NULL;
        }
        return c;
}

void fw_command_forget(fw_command *c)
{
        if (!c)
                return;
        /* Still reaped when it ends, by a source that now only frees itself. */
        sd_event_source_set_userdata(c->child, NULL);
        c->child = NULL;
        free_command(c);
}
