// Both float types of one kernel variant: the includer sets ISA, VB and MR
// (see variant.h) inside its target pragma; they are cleared here.
#define T float
#define SFX f32
#include "variant.h"
#undef T
#undef SFX
#define T double
#define SFX f64
#include "variant.h"
#undef T
#undef SFX
#undef ISA
#undef VB
#undef MR
