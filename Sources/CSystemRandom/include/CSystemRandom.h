#ifndef PRIVACYKERNEL_CSYSTEMRANDOM_H
#define PRIVACYKERNEL_CSYSTEMRANDOM_H
#include <stddef.h>
#include <sys/types.h>

/// Fills `buffer` with `length` bytes from the kernel's CSPRNG (getrandom(2), blocking
/// until the pool is initialised). Returns 0 on success, or the errno of the failure.
int pk_system_random_fill(void *buffer, size_t length);
#endif
