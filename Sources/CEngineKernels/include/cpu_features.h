// What the CPU and the operating system let vector code use, read from cpuid and XCR0 (not from /proc/cpuinfo,
// which containers may hide), and a guard for running code that might fault on this CPU.
#pragma once

typedef struct {
    char vendor[13];   // "GenuineIntel", "AuthenticAMD", …
    char brand[49];    // the processor brand string, trimmed
    unsigned family, model, stepping;   // as Linux prints them (extended fields folded in)
    // What the CPU reports.
    int avx, fma, avx2, avx512f, avx512dq, avx512bw, avx512vl, avx512_bf16;
    // What the OS saves on a context switch (XCR0): vector code beyond SSE is usable only with it.
    int os_ymm, os_zmm;
} ek_cpu_features;

// Fills `f` (all zero on a CPU that is not x86-64).
void ek_read_cpu_features(ek_cpu_features *f);

// Runs fn(context) with SIGILL, SIGSEGV, SIGBUS and SIGFPE caught on the calling thread: returns 0 when fn
// returned, otherwise the signal's number. After a fault the caller must do nothing but leave the process (or
// exec): fn's frames were skipped, not unwound.
int ek_run_catching_faults(void (*fn)(void *), void *context);
