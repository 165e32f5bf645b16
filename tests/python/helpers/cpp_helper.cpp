/*
 * Description: the C++ side of the Python cross-language tests:
 *   pop-batch SEG QUEUE N     pop N int64 in batches, check they are 0..N-1
 *                             in order, print the sum
 *   lazy-matrix SEG NAME      the paper's process A/B: define the lazy
 *                             H_matrix (a 16x16 double Matrix) with a
 *                             lambda and force it; print compute_count
 * Exits 0 on success, 1 on failure.
 */
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <zeroipc.hpp>

using namespace zeroipc::literals;

namespace {

constexpr int N = 16;

struct Matrix {
	double h[N][N];
};

Matrix ComputeHamiltonian()
{
	Matrix m{};
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			m.h[i][j] = i == j ? 2.0 + i : (i - j == 1 || j - i == 1 ? -1.0 : 0.0);
	return m;
}

int pop_batch(const std::string &seg, const std::string &name, std::int64_t n)
{
	zeroipc::Memory mem(seg);
	zeroipc::Queue<std::int64_t> q(mem, name);
	std::vector<std::int64_t> buf(4096);
	std::int64_t next = 0, sum = 0;
	while (next < n) {
		std::size_t k = q.pop_batch(buf);
		for (std::size_t i = 0; i < k; i++, next++) {
			if (buf[i] != next) {
				std::fprintf(stderr, "cpp_helper: got %lld, want %lld\n",
					     static_cast<long long>(buf[i]), static_cast<long long>(next));
				return 1;
			}
			sum += buf[i];
		}
	}
	std::printf("%lld\n", static_cast<long long>(sum));
	return 0;
}

int lazy_matrix(const std::string &seg, const std::string &name)
{
	zeroipc::Memory mem(seg, 1_GB);
	zeroipc::Lazy<Matrix> hamiltonian(mem, name, []() { return ComputeHamiltonian(); });
	auto H = hamiltonian.force();
	if (H.h[3][3] != 5.0)
		return 1;
	std::printf("%u\n", hamiltonian.compute_count());
	return 0;
}

} // namespace

int main(int argc, char **argv)
{
	try {
		std::string cmd = argc > 1 ? argv[1] : "";
		if (cmd == "pop-batch" && argc == 5)
			return pop_batch(argv[2], argv[3], std::stoll(argv[4]));
		if (cmd == "lazy-matrix" && argc == 4)
			return lazy_matrix(argv[2], argv[3]);
	} catch (const std::exception &e) {
		std::fprintf(stderr, "cpp_helper: %s\n", e.what());
		return 1;
	}
	std::fprintf(stderr, "usage: cpp_helper pop-batch SEG QUEUE N | lazy-matrix SEG NAME\n");
	return 2;
}
