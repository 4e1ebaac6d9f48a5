#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include "cpu_features.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long read_xcr0(void) {
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

void ek_read_cpu_features(ek_cpu_features *f) {
    memset(f, 0, sizeof *f);
    unsigned a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return;
    unsigned max_leaf = a;
    memcpy(f->vendor, &b, 4);
    memcpy(f->vendor + 4, &d, 4);
    memcpy(f->vendor + 8, &c, 4);

    __get_cpuid(1, &a, &b, &c, &d);
    unsigned base_family = (a >> 8) & 0xf, base_model = (a >> 4) & 0xf;
    f->family = base_family == 0xf ? base_family + ((a >> 20) & 0xff) : base_family;
    f->model = (base_family == 0x6 || base_family == 0xf) ? base_model | (((a >> 16) & 0xf) << 4) : base_model;
    f->stepping = a & 0xf;
    f->avx = (c >> 28) & 1;
    f->fma = (c >> 12) & 1;
    int osxsave = (c >> 27) & 1;
    if (osxsave) {
        unsigned long long xcr0 = read_xcr0();
        f->os_ymm = (xcr0 & 0x6) == 0x6;             // SSE and AVX state
        f->os_zmm = f->os_ymm && (xcr0 & 0xe0) == 0xe0;   // opmask, upper ZMM0-15, ZMM16-31
    }
    if (max_leaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        unsigned max_sub = a;
        f->avx2 = (b >> 5) & 1;
        f->avx512f = (b >> 16) & 1;
        f->avx512dq = (b >> 17) & 1;
        f->avx512bw = (b >> 30) & 1;
        f->avx512vl = (b >> 31) & 1;
        if (max_sub >= 1) {
            __cpuid_count(7, 1, a, b, c, d);
            f->avx512_bf16 = (a >> 5) & 1;
        }
    }
    __get_cpuid(0x80000000, &a, &b, &c, &d);
    if (a >= 0x80000004) {
        unsigned *brand = (unsigned *)f->brand;
        for (unsigned leaf = 0; leaf < 3; leaf++)
            __get_cpuid(0x80000002 + leaf, &brand[leaf * 4], &brand[leaf * 4 + 1], &brand[leaf * 4 + 2], &brand[leaf * 4 + 3]);
        f->brand[48] = 0;
        char *start = f->brand;
        while (*start == ' ') start++;
        memmove(f->brand, start, strlen(start) + 1);
        for (size_t n = strlen(f->brand); n > 0 && f->brand[n - 1] == ' '; n--) f->brand[n - 1] = 0;
    }
}
#else
void ek_read_cpu_features(ek_cpu_features *f) { memset(f, 0, sizeof *f); }
#endif

static __thread sigjmp_buf *fault_target;

static void on_fault(int sig) {
    if (fault_target) siglongjmp(*fault_target, sig);
    signal(sig, SIG_DFL);
    raise(sig);
}

int ek_run_catching_faults(void (*fn)(void *), void *context) {
    static const int signals[] = {SIGILL, SIGSEGV, SIGBUS, SIGFPE};
    struct sigaction catching, previous[4];
    memset(&catching, 0, sizeof catching);
    catching.sa_handler = on_fault;
    sigemptyset(&catching.sa_mask);
    catching.sa_flags = SA_NODEFER;
    for (int i = 0; i < 4; i++) sigaction(signals[i], &catching, &previous[i]);
    sigjmp_buf target;
    int fault = sigsetjmp(target, 1);
    if (fault == 0) {
        fault_target = &target;
        fn(context);
    }
    fault_target = 0;
    for (int i = 0; i < 4; i++) sigaction(signals[i], &previous[i], 0);
    return fault;
}
