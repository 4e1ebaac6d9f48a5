#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include "worker_threads.h"

void wt_name_this_thread(const char *name) { pthread_setname_np(pthread_self(), name); }

int wt_usable_cpus(void) {
    int cpus = 0;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) cpus = CPU_COUNT(&set);
    if (cpus < 1) cpus = 1;
    // A container's CPU quota (cgroup v2 "cpu.max": "QUOTA PERIOD", or "max PERIOD" for none) caps it further.
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (f) {
        long long quota = 0, period = 0;
        if (fscanf(f, "%lld %lld", &quota, &period) == 2 && quota > 0 && period > 0) {
            long long allowed = (quota + period - 1) / period;
            if (allowed < cpus) cpus = (int)allowed;
        }
        fclose(f);
    }
    return cpus;
}
