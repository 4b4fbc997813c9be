#include "echo_floor.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int read_full(int fd, void *buffer, size_t count) {
    size_t done = 0;
    while (done < count) {
        ssize_t n = read(fd, (char *)buffer + done, count - done);
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

static int write_full(int fd, const void *buffer, size_t count) {
    size_t done = 0;
    while (done < count) {
        ssize_t n = write(fd, (const char *)buffer + done, count - done);
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

static void *serve(void *argument) {
    int listener = (int)(intptr_t)argument;
    for (;;) {
        int fd = accept(listener, NULL, NULL);
        if (fd < 0) return NULL;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        char *buffer = malloc(1 << 20);
        for (;;) {
            uint32_t length;
            if (read_full(fd, &length, 4) < 0) break;
            uint32_t size = ntohl(length);
            if (size > (1 << 20) || read_full(fd, buffer, size) < 0) break;
            if (write_full(fd, &length, 4) < 0 || write_full(fd, buffer, size) < 0) break;
        }
        free(buffer);
        close(fd);
    }
}

int pn_floor_server_start(void) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 16) < 0) return -1;
    getsockname(listener, (struct sockaddr *)&address, &length);
    pthread_t thread;
    pthread_create(&thread, NULL, serve, (void *)(intptr_t)listener);
    pthread_detach(thread);
    return ntohs(address.sin_port);
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

long pn_floor_client_run(int port, size_t size, uint64_t nanoseconds, uint64_t *latencies, size_t capacity) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {0};
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char *payload = calloc(1, size + 4);
    char *answer = malloc(size + 4);
    uint32_t length = htonl((uint32_t)size);
    memcpy(payload, &length, 4);
    long calls = 0;
    uint64_t end = now_ns() + nanoseconds;
    for (uint64_t start = now_ns(); start < end; start = now_ns()) {
        if (write_full(fd, payload, size + 4) < 0 || read_full(fd, answer, size + 4) < 0) { calls = -1; break; }
        if ((size_t)calls < capacity) latencies[calls] = now_ns() - start;
        calls++;
    }
    free(payload);
    free(answer);
    close(fd);
    return calls;
}
