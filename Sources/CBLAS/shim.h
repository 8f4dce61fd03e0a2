// OpenBLAS from Debian's libopenblas-dev: <cblas.h> resolves through the
// alternatives system and declares openblas_set_num_threads as well.
#include <cblas.h>
