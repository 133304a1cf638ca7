#define _GNU_SOURCE
#include "cspawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// In the child only: back to default dispositions and an empty mask (the parent ignores SIGPIPE
// and leaves SIGINT/SIGTERM to dispatch sources; ignored signals would survive exec), and no
// descriptor of the parent's besides 0, 1 and 2.
static void reset_child_state(void) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP) (void)sigaction(sig, &dfl, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) == 0) return;
#endif
    long max = sysconf(_SC_OPEN_MAX);
    if (max < 0 || max > 65536) max = 65536;
    for (int fd = 3; fd < max; fd++) (void)close(fd);
}

pid_t swzk_spawn_child(const char *path, char *const argv[], char *const envp[], int output_fd,
                       const char *directory) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) _exit(126);
    if (getppid() != parent) _exit(126);
    (void)setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, 0) < 0) _exit(126);
    if (dup2(output_fd, 1) < 0 || dup2(output_fd, 2) < 0) _exit(126);
    reset_child_state();
    if (directory != NULL && chdir(directory) != 0) _exit(126);
    execve(path, argv, envp);
    _exit(127);
}

int swzk_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int swzk_wait_exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

int swzk_wait_term_signal(int status) { return WIFSIGNALED(status) ? WTERMSIG(status) : 0; }
