#include "env.h"

#include <cstdlib>
#include <mutex>

namespace adj {
namespace {

std::mutex& errors_mutex() {
  static std::mutex m;
  return m;
}
std::vector<std::string>& errors() {
  static std::vector<std::string> e;
  return e;
}

// Digits only (no sign, space or exponent), at most 9 of them, within [lo, hi].
bool parse(const char* s, int lo, int hi, int* out) {
  long v = 0;
  int digits = 0;
  for (; *s; ++s, ++digits) {
    if (*s < '0' || *s > '9' || digits == 9) return false;
    v = v * 10 + (*s - '0');
  }
  if (v < lo || v > hi) return false;
  *out = (int)v;
  return true;
}

}  // namespace

int env_int(const char* name, int unset, int lo, int hi, const char* accepts) {
  const char* s = std::getenv(name);
  if (!s || !*s) return unset;
  int v = unset;
  if (parse(s, lo, hi, &v)) return v;
  std::string quoted;
  for (const char* c = s; *c; ++c) quoted += *c == '"' || *c == '\\' ? std::string("\\") + *c : std::string(1, *c);
  std::lock_guard<std::mutex> lk(errors_mutex());
  errors().push_back(std::string(name) + "=\"" + quoted + "\" is not an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "] (" + accepts + ")");
  return unset;
}

std::vector<std::string> env_errors() {
  std::lock_guard<std::mutex> lk(errors_mutex());
  return errors();
}

}  // namespace adj
