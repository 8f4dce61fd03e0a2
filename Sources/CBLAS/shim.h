// OpenBLAS from Debian's libopenblas-dev: <cblas.h> resolves through the
// alternatives system and declares openblas_set_num_threads as well.
#include <cblas.h>

// LAPACK's symmetric eigensolver (Fortran ABI), exported by libopenblas;
// declared here because Debian ships no LAPACK header with OpenBLAS.
// Used by Training's NTK spectrum (metrics: full).
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);
