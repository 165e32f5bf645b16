/*
 * Description: a minimal checking harness for the C++ binding tests: CHECK
 * prints the failed expression with file and line and exits 1; each test
 * program runs its cases in order and unlinks its segment on every exit.
 */
#ifndef ZEROIPC_TEST_CHECK_HPP
#define ZEROIPC_TEST_CHECK_HPP

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

#include <zeroipc.hpp>

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			std::exit(1);                                                              \
		}                                                                                  \
	} while (0)

#define CHECK_THROWS(expr, errc_value)                                                             \
	do {                                                                                       \
		bool thrown_ = false;                                                              \
		try {                                                                              \
			(void)(expr);                                                              \
		} catch (const std::system_error &e_) {                                            \
			thrown_ = e_.code() == (errc_value);                                       \
			if (!thrown_)                                                              \
				std::fprintf(stderr, "%s:%d: threw %s\n", __FILE__, __LINE__,     \
					     e_.what());                                           \
		}                                                                                  \
		if (!thrown_) {                                                                    \
			std::fprintf(stderr, "%s:%d: %s did not throw %s\n", __FILE__, __LINE__,   \
				     #expr, #errc_value);                                          \
			std::exit(1);                                                              \
		}                                                                                  \
	} while (0)

namespace zt {

/* A segment name of this test process ("zt_" + what + pid), unlinked at exit. */
inline std::string segment_name(const char *what)
{
	static std::string name;
	name = std::string("zt_") + what + "_" + std::to_string(getpid());
	std::atexit([] { zeroipc::Memory::unlink(name); });
	return name;
}

} // namespace zt

#endif
