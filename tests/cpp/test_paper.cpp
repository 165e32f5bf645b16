/*
 * Description: the paper's C++ example, as three processes on one segment:
 * A defines the lazy Hamiltonian with a lambda (nothing is computed), B
 * forces it (the lambda runs there, once), C forces it again and gets the
 * cached matrix without running its lambda. compute_count proves it.
 *
 * Differences from the paper's text, which is a sketch: the size is written
 * 1_GB (a C++ literal needs the underscore), the segment name carries the
 * test's pid, and ComputeHamiltonian/DiagonalizeMatrix are defined here.
 */
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "check.hpp"

using namespace zeroipc::literals;

namespace {

constexpr int N = 32;

/* A fixed-size, trivially copyable matrix: what the paper's Lazy<Matrix> holds. */
struct Matrix {
	double h[N][N];
};
static_assert(std::is_trivially_copyable_v<Matrix>);

int computed_here = 0; /* how often this process ran ComputeHamiltonian */

/* A tight-binding chain: expensive enough to notice (sleeps 200 ms). */
Matrix ComputeHamiltonian()
{
	computed_here++;
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	Matrix m{};
	for (int i = 0; i < N; i++) {
		m.h[i][i] = 2.0 + i * 0.01;
		if (i + 1 < N)
			m.h[i][i + 1] = m.h[i + 1][i] = -1.0;
	}
	return m;
}

/* Gershgorin centres: enough of an "eigenvalue" step for the example. */
std::array<double, N> DiagonalizeMatrix(const Matrix &m)
{
	std::array<double, N> ev{};
	for (int i = 0; i < N; i++)
		ev[i] = m.h[i][i];
	return ev;
}

bool is_expected(const Matrix &m)
{
	return m.h[0][0] == 2.0 && m.h[3][4] == -1.0 && m.h[N - 1][N - 1] == 2.0 + (N - 1) * 0.01 &&
	       m.h[0][5] == 0.0;
}

int role(char which, const std::string &seg)
{
	/* The paper's lines, each process running its part. */
	zeroipc::Memory mem(seg, 1_GB);
	zeroipc::Lazy<Matrix> hamiltonian(mem, "H_matrix", []() { return ComputeHamiltonian(); });

	if (which == 'A') {
		/* Defining computes nothing. */
		CHECK(hamiltonian.compute_count() == 0);
		CHECK(computed_here == 0);
	} else if (which == 'B') {
		auto H = hamiltonian.force(); // Triggers computation
		auto eigenvalues = DiagonalizeMatrix(H);
		CHECK(computed_here == 1);
		CHECK(hamiltonian.compute_count() == 1);
		CHECK(is_expected(H) && eigenvalues[1] == 2.01);
	} else {
		auto t0 = std::chrono::steady_clock::now();
		auto H_cached = hamiltonian.force(); // Returns instantly
		auto took = std::chrono::steady_clock::now() - t0;
		CHECK(computed_here == 0);
		CHECK(hamiltonian.compute_count() == 1);
		CHECK(is_expected(H_cached));
		CHECK(took < std::chrono::milliseconds(50)); /* computing takes 200 */
	}
	return 0;
}

void run(const char *self, char which, const std::string &seg)
{
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		std::string r(1, which);
		execl(self, self, r.c_str(), seg.c_str(), static_cast<char *>(nullptr));
		_exit(127);
	}
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		std::fprintf(stderr, "process %c failed (status %d)\n", which, status);
		std::exit(1);
	}
}

} // namespace

int main(int argc, char **argv)
{
	if (argc == 3)
		return role(argv[1][0], argv[2]);
	std::string seg = zt::segment_name("quantum");
	run("/proc/self/exe", 'A', seg);
	run("/proc/self/exe", 'B', seg);
	run("/proc/self/exe", 'C', seg);
	zeroipc::Memory mem(seg);
	zeroipc::Lazy<Matrix> h(mem, "H_matrix");
	CHECK(h.compute_count() == 1 && h.info().state == ZIPC_LAZY_READY);
	std::puts("ok");
	return 0;
}
