/*
 * floor.c: what this machine allows an idle request at best, with no ZooKeeper in the way.
 *
 *   cc -O2 -o floor Tests/bench/floor.c && ./floor [DIR] [COUNT] [RECORD_BYTES]
 *
 * A forked child plays a server on a loopback TCP connection; the parent plays a client that
 * sends a 64-byte request and waits for a 16-byte answer, one at a time, as `swzk bench --latency`
 * does. Two rounds: "plain" (the child answers at once: the floor of an idle read) and "durable"
 * (the child first pwrites RECORD_BYTES, default 1100 like a 1 KiB create's log record, into a
 * preallocated file in DIR, default /tmp, and fdatasyncs it: the floor of an idle write).
 * Prints one line: rtt_p50_ms durable_p50_ms rtt_p90_ms durable_p90_ms.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* One round; returns p50 and p90 in *p50, *p90 (microseconds). */
static void round_trip(int durable, const char *dir, int count, int record, double *p50, double *p90) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        getsockname(listener, (struct sockaddr *)&addr, &len) != 0 || listen(listener, 1) != 0)
        die("listen");
    char path[4096];
    snprintf(path, sizeof path, "%s/swzk-floor.%d", dir, (int)getpid());
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        int one = 1, fd = -1;
        int s = accept(listener, NULL, NULL);
        if (s < 0) die("accept");
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (durable) {
            fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
            if (fd < 0 || ftruncate(fd, 64 << 20) != 0 || fsync(fd) != 0) die(path);
        }
        char request[64], *rec = calloc(1, record);
        off_t offset = 0;
        memset(rec, 'x', record);
        for (;;) {
            ssize_t got = 0;
            while (got < 64) {
                ssize_t r = read(s, request + got, 64 - got);
                if (r <= 0) goto done;
                got += r;
            }
            if (durable) {
                if (pwrite(fd, rec, record, offset) != record || fdatasync(fd) != 0) die("pwrite/fdatasync");
                offset += record;
            }
            if (write(s, request, 16) != 16) die("write");
        }
    done:
        if (durable) unlink(path);
        _exit(0);
    }
    close(listener);
    int c = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    if (c < 0 || connect(c, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    double *lat = malloc(sizeof(double) * count);
    char buf[64] = {0};
    for (int i = 0; i < count; i++) {
        double t = now_us();
        if (write(c, buf, 64) != 64) die("write");
        ssize_t got = 0;
        while (got < 16) {
            ssize_t r = read(c, buf + got, 16 - got);
            if (r <= 0) die("read");
            got += r;
        }
        lat[i] = now_us() - t;
    }
    close(c);
    waitpid(child, NULL, 0);
    qsort(lat, count, sizeof(double), by_value);
    *p50 = lat[count / 2];
    *p90 = lat[count * 9 / 10];
    free(lat);
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    int count = argc > 2 ? atoi(argv[2]) : 2000;
    int record = argc > 3 ? atoi(argv[3]) : 1100;
    if (count < 10 || record < 1) {
        fprintf(stderr, "usage: floor [DIR] [COUNT>=10] [RECORD_BYTES>=1]\n");
        return 2;
    }
    double plain50, plain90, durable50, durable90;
    round_trip(0, dir, count, record, &plain50, &plain90);
    round_trip(1, dir, count, record, &durable50, &durable90);
    printf("%.4f %.4f %.4f %.4f\n", plain50 / 1000, durable50 / 1000, plain90 / 1000, durable90 / 1000);
    return 0;
}
