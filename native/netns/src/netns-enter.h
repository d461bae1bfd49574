// Entering another network namespace on the calling thread for a system call or two, and coming back:
// setns() affects only the calling thread, so a socket made in between belongs to that namespace and the
// thread is home again before anything else runs on it. Included by each addon that makes sockets in a
// namespace (netns.c, icmp6.c, packet.c; each is its own node-gyp target, so the functions are static).
#ifndef QDHCP_NETNS_ENTER_H
#define QDHCP_NETNS_ENTER_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct {
  int home;
  int target;
} netns_visit_t;

// Enters the namespace at `path`. Returns NULL, or the system call that failed with its errno in *err; on
// failure nothing is left open and the thread is still home.
static const char *netns_enter(const char *path, netns_visit_t *visit, int *err) {
  visit->home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (visit->home < 0) { *err = errno; return "open"; }
  visit->target = open(path, O_RDONLY | O_CLOEXEC);
  if (visit->target < 0) { *err = errno; close(visit->home); return "open"; }
  if (setns(visit->target, CLONE_NEWNET) != 0) {
    *err = errno;
    close(visit->home);
    close(visit->target);
    return "setns";
  }
  return NULL;
}

// Back home. If that ever failed, the process would be serving from the wrong namespace, which is not
// recoverable: abort.
static void netns_leave(netns_visit_t *visit) {
  if (setns(visit->home, CLONE_NEWNET) != 0) abort();
  close(visit->home);
  close(visit->target);
}

#endif
