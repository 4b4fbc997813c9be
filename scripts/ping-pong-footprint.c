// A serial ping-pong of 64-byte messages over TCP loopback between two threads, each
// waiting in epoll_wait as an event loop does, with optional work between reading a
// message and answering it: spinning for a time (work that touches nothing) or touching
// a memory area (work that displaces what the kernel's path left in the caches).
// scripts/critical-path.sh --footprint runs it under its trace: how the kernel's path
// between the threads changes with each kind of work.
// Usage: ping-pong-footprint CALLS SPIN_MICROSECONDS TOUCH_KIB   (prints the p50 in µs)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int calls;
static double spin_micros;
static size_t touch_bytes;
static double *latencies;

static double now_micros(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

/// The work between reading a message and answering it.
static void work(volatile char *area) {
    if (spin_micros > 0) {
        double end = now_micros() + spin_micros;
        while (now_micros() < end) {}
    }
    for (size_t at = 0; at < touch_bytes; at += 64) area[at]++;
}

struct side { int fd; int is_client; };

static void *run(void *argument) {
    struct side *side = argument;
    volatile char *area = calloc(1, touch_bytes + 64);
    int poll = epoll_create1(0);
    struct epoll_event interest = { .events = EPOLLIN, .data.fd = side->fd };
    epoll_ctl(poll, EPOLL_CTL_ADD, side->fd, &interest);
    char message[64], buffer[2048];
    memset(message, 1, sizeof message);
    double sent = 0;
    if (side->is_client) { sent = now_micros(); write(side->fd, message, sizeof message); }
    for (int done = 0; done < calls;) {
        struct epoll_event ready;
        if (epoll_wait(poll, &ready, 1, -1) <= 0) continue;
        if (read(side->fd, buffer, sizeof buffer) <= 0) break;
        work(area);
        if (side->is_client) {
            latencies[done++] = now_micros() - sent;
            if (done == calls) break;
            sent = now_micros();
        } else {
            done++;
        }
        write(side->fd, message, sizeof message);
    }
    return NULL;
}

static int ascending(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s CALLS SPIN_MICROSECONDS TOUCH_KIB\n", argv[0]); return 2; }
    calls = atoi(argv[1]);
    spin_micros = atof(argv[2]);
    touch_bytes = (size_t)atoi(argv[3]) * 1024;
    latencies = calloc(calls, sizeof(double));
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    if (bind(listener, (void *)&address, sizeof address) || listen(listener, 1) ||
        getsockname(listener, (void *)&address, &length)) { perror("listen"); return 1; }
    int client = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(client, (void *)&address, sizeof address)) { perror("connect"); return 1; }
    int server = accept(listener, NULL, NULL);
    int on = 1;
    setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    struct side server_side = { server, 0 }, client_side = { client, 1 };
    pthread_t server_thread, client_thread;
    pthread_create(&server_thread, NULL, run, &server_side);
    pthread_create(&client_thread, NULL, run, &client_side);
    pthread_join(client_thread, NULL);
    // The first tenth warms up.
    int warm = calls / 10;
    qsort(latencies + warm, calls - warm, sizeof(double), ascending);
    printf("%.1f\n", latencies[warm + (calls - warm) / 2]);
    return 0;
}
