// What the engine's worker threads need from C: a spin-wait hint, thread names, and the CPUs this process may use.
#pragma once

// A spin-wait hint for the engine's worker threads (x86 PAUSE): lets the sibling hyperthread and the memory
// system breathe while a thread waits a few microseconds for work.
static inline void wt_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

// Names the calling thread (at most 15 characters) for `top -H`, `perf` and debuggers.
void wt_name_this_thread(const char *name);

// CPUs this process may use: its affinity mask, capped by a container's cgroup v2 CPU quota (which OpenBLAS's own
// default ignores: a 2-CPU quota on a 64-core host would otherwise get 64 spinning threads).
int wt_usable_cpus(void);
