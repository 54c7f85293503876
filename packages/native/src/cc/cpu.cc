#include "cpu.h"

#include <atomic>
#include <cstdlib>

namespace adj {
namespace {

struct Entry {
  const char* name;
  const IsaTable* (*table)();
  bool (*supported)();
  bool test_only;  // never picked automatically
};

#if defined(__x86_64__) || defined(_M_X64)
bool has_avx512() { return __builtin_cpu_supports("avx512f"); }
bool has_avx2() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
#endif
bool always() { return true; }

const Entry kEntries[] = {
#if defined(__x86_64__) || defined(_M_X64)
    {"avx512", &isa_avx512, &has_avx512, false},
    {"avx2", &isa_avx2, &has_avx2, false},
    {"avx2-wide-tiles", &isa_avx2_wide_tiles, &has_avx2, true},
#endif
    {"portable", &isa_portable, &always, false},
};

const IsaTable* pick(const char* wanted) {
  for (const Entry& e : kEntries) {
    if (wanted ? std::string(wanted) == e.name : !e.test_only) {
      if (e.supported()) return e.table();
    }
  }
  return nullptr;
}

std::atomic<const IsaTable*>& current() {
  static std::atomic<const IsaTable*> t{[] {
    const IsaTable* forced = pick(std::getenv("ADJOINT_ISA"));
    return forced ? forced : pick(nullptr);
  }()};
  return t;
}

}  // namespace

const IsaTable& isa() { return *current().load(std::memory_order_acquire); }

std::vector<std::string> compiled_isas() {
  std::vector<std::string> out;
  for (const Entry& e : kEntries) out.push_back(e.name);
  return out;
}

std::vector<std::string> supported_isas() {
  std::vector<std::string> out;
  for (const Entry& e : kEntries)
    if (e.supported()) out.push_back(e.name);
  return out;
}

const IsaTable* find_isa(const std::string& name) { return pick(name.c_str()); }

bool set_isa(const std::string& name) {
  const IsaTable* t = pick(name.c_str());
  if (!t) return false;
  current().store(t, std::memory_order_release);
  return true;
}

}  // namespace adj
