#ifndef PRIVACYKERNEL_COPENBLAS_SHIM_H
#define PRIVACYKERNEL_COPENBLAS_SHIM_H
// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). blasint is Int32 from Swift.
#include <cblas.h>
#include <stddef.h>

// LAPACK's symmetric eigensolver, exported by Debian's libopenblas (which bundles LAPACK) but
// declared in no header it installs (no lapack.h / lapacke.h without liblapacke-dev). The
// Fortran calling convention: every argument by pointer, and one hidden length per character
// argument (gfortran passes them as size_t at the end).
//   jobz 'V' = eigenvalues and eigenvectors; uplo 'U' = upper triangle of the column-major a.
//   On exit a holds the orthonormal eigenvectors (columns), w the eigenvalues in ascending order.
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info,
            size_t jobz_length, size_t uplo_length);
#endif
