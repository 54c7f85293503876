// Integer settings read from the environment (ADJOINT_SPIN_US, ADJOINT_NUM_THREADS).
// A variable that is set to anything but a decimal integer in [lo, hi] is not
// quietly replaced by its default: the problem is recorded, info().envErrors
// reports it, and the loader (src/loader.ts) turns it into an error at import.
// Unset or empty means the default.
#pragma once
#include <string>
#include <vector>

namespace adj {

// The value of `name`, or `unset` when it is unset, empty or invalid (recorded
// then, with `accepts` saying what the variable takes).
int env_int(const char* name, int unset, int lo, int hi, const char* accepts);
// One message per invalid variable read so far, e.g.
// `ADJOINT_SPIN_US="abc" is not an integer in [0, 100000] (...)`.
std::vector<std::string> env_errors();

}  // namespace adj
