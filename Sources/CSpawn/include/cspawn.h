// Starting `swzk cluster-local`'s member servers as children that cannot outlive the parent.
// Foundation's Process cannot ask for PR_SET_PDEATHSIG, so the fork and everything up to exec
// happen here, in C, where only async-signal-safe calls run between the two.
#ifndef SWZK_CSPAWN_H
#define SWZK_CSPAWN_H

#include <sys/types.h>

/// Forks and execs `path` with `argv` and `envp` (both NULL-terminated), stdin on /dev/null and
/// stdout and stderr on `output_fd`, in `directory` and in a process group of its own (so a
/// terminal's Ctrl-C reaches only the parent). The child asks for SIGKILL when the calling thread
/// dies (PR_SET_PDEATHSIG), then checks that its parent is still `getpid()` of the caller, which
/// closes the race of a parent dying before the request. Returns the pid, or -1 with errno set.
/// Call it from a thread that lives as long as the children: the death signal follows the thread.
pid_t swzk_spawn_child(const char *path, char *const argv[], char *const envp[], int output_fd,
                       const char *directory);

/// pipe2(fds, O_CLOEXEC): a pipe no other child inherits (Swift does not see pipe2 without _GNU_SOURCE).
int swzk_pipe_cloexec(int fds[2]);

/// The exit code of a `waitpid` status, or -1 when the child did not exit normally.
int swzk_wait_exit_code(int status);

/// The signal that ended the child for a `waitpid` status, or 0 when it exited normally.
int swzk_wait_term_signal(int status);

#endif
