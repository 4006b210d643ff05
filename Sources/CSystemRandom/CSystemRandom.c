#include "CSystemRandom.h"
#include <errno.h>
#include <sys/random.h>

int pk_system_random_fill(void *buffer, size_t length) {
    unsigned char *cursor = (unsigned char *)buffer;
    while (length > 0) {
        ssize_t got = getrandom(cursor, length, 0);
        if (got < 0) {
            if (errno == EINTR) continue;
            return errno;
        }
        cursor += (size_t)got;
        length -= (size_t)got;
    }
    return 0;
}
