// Which instruction set's kernels run: the best one the CPU supports, chosen
// at load time; ADJOINT_ISA=portable|avx2|avx512 (or set_isa) picks a lower one.
#pragma once
#include <string>
#include <vector>

#include "isa.h"

namespace adj {

const IsaTable& isa();
// Names of the tables this CPU can run, best first.
std::vector<std::string> supported_isas();
// Every kernel set built into the addon, whether or not this CPU runs it.
std::vector<std::string> compiled_isas();
// Selects a table by name; returns false if the CPU cannot run it or it was not compiled.
bool set_isa(const std::string& name);
// The table of a supported ISA by name (test-only ones included), or nullptr.
const IsaTable* find_isa(const std::string& name);

}  // namespace adj
