#pragma once
#include "isa.h"

namespace adj {
const RowKernels<double>* rows_f64();
}
