#ifndef PRIVACYKERNEL_COPENBLAS_SHIM_H
#define PRIVACYKERNEL_COPENBLAS_SHIM_H
// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). blasint is Int32 from Swift.
#include <cblas.h>
#endif
