/* A bounded UDP sender for the live-capture benchmark: COUNT datagrams of SIZE bytes to
 * 127.0.0.1:PORT at RATE per second (0: as fast as possible), in batches of 64 through
 * sendmmsg. Loopback only, by construction: the address is fixed. Each payload starts with
 * its sequence number, so a capture can be checked for holes. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s PORT COUNT RATE SIZE\n", argv[0]);
        return 2;
    }
    int port = atoi(argv[1]);
    long count = atol(argv[2]);
    double rate = atof(argv[3]);
    int size = atoi(argv[4]);
    if (size < 8 || size > 1400 || count < 0) {
        fprintf(stderr, "SIZE must be 8..1400\n");
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) { perror("socket"); return 1; }
    /* A socket bound to the port that never reads: datagrams are accepted (and dropped by
     * its full buffer) instead of answered with ICMP port-unreachable, which would double
     * the traffic on lo. */
    int sink = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in at = {0};
    at.sin_family = AF_INET;
    at.sin_port = htons(port);
    at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (sink < 0 || bind(sink, (struct sockaddr *)&at, sizeof at) < 0) {
        perror("bind");
        return 1;
    }
    int sndbuf = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
    struct sockaddr_in to = {0};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    static char bufs[BATCH][1400];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    memset(msgs, 0, sizeof msgs);
    for (int i = 0; i < BATCH; i++) {
        memset(bufs[i], 'x', size);
        iov[i].iov_base = bufs[i];
        iov[i].iov_len = size;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &to;
        msgs[i].msg_hdr.msg_namelen = sizeof to;
    }
    double t0 = now();
    long sent = 0;
    while (sent < count) {
        int n = count - sent < BATCH ? (int)(count - sent) : BATCH;
        for (int i = 0; i < n; i++) {
            uint64_t seq = sent + i;
            memcpy(bufs[i], &seq, 8);
        }
        int r = sendmmsg(fd, msgs, n, 0);
        if (r < 0) { perror("sendmmsg"); return 1; }
        sent += r;
        if (rate > 0) {
            double due = t0 + sent / rate;
            double wait = due - now();
            if (wait > 0) {
                struct timespec ts = {(time_t)wait, (long)((wait - (time_t)wait) * 1e9)};
                nanosleep(&ts, NULL);
            }
        }
    }
    double secs = now() - t0;
    printf("%ld %.3f\n", sent, secs);
    return 0;
}
