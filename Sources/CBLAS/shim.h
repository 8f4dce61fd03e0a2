// OpenBLAS from Debian's libopenblas-dev: <cblas.h> resolves through the
// alternatives system and declares openblas_set_num_threads as well.
#include <cblas.h>

// LAPACK's symmetric eigensolver, exported by libopenblas itself (no lapacke
// headers needed). Fortran calling convention: every argument by pointer.
void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
            double *w, double *work, const int *lwork, int *info);
