/*
 * Fuzz targets: each fuzz_*.c defines LLVMFuzzerTestOneInput over one
 * parser or decoder the daemon or client runs on untrusted bytes.  make
 * fuzz links them with libFuzzer (clang); make test links them with
 * replay.c, which feeds each file of the corpus t/fuzz/<target>/ once.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The input as a NUL-terminated string (caller frees). */
char	*fuzz_str(const uint8_t *, size_t);

#endif
