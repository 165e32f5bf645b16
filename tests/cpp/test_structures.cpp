/*
 * Description: the C++23 header's RAII classes over one segment: Memory,
 * Array<T> spans, Queue<T>/Stack<T> with expected/exception forms and
 * batches, Future<T>, Lazy<T> (once, errors, providers), element type tags,
 * and a queue carried across fork() between two processes.
 */
#include <array>
#include <chrono>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <vector>

#include "check.hpp"

using namespace std::chrono_literals;
using namespace zeroipc::literals;

namespace {

struct Point {
	double x, y;
	std::int32_t id;
};

void test_types()
{
	static_assert(zeroipc::type_of<std::int64_t>().elem == ZIPC_ELEM_I64);
	static_assert(zeroipc::type_of<std::uint8_t>().elem == ZIPC_ELEM_U8);
	static_assert(zeroipc::type_of<float>().elem == ZIPC_ELEM_F32);
	static_assert(zeroipc::type_of<double>().elem == ZIPC_ELEM_F64);
	static_assert(zeroipc::type_of<Point>().elem == ZIPC_ELEM_BYTES);
	static_assert(zeroipc::type_of<Point>().size == sizeof(Point));
	static_assert(zeroipc::type_of<bool>().elem == ZIPC_ELEM_BYTES);
	static_assert(1_MiB == 1048576 && 1_GB == 1000000000ull);
	CHECK(zeroipc::type_name(zeroipc::type_of<std::int32_t>()) == "i32");
	CHECK(zeroipc::type_name(zeroipc::type_of<Point>()) == "bytes:24");
}

void test_memory(const std::string &seg)
{
	zeroipc::Memory again(seg, 4_MiB); /* exists: opens */
	CHECK(!again.created());
	CHECK(again.name() == seg);
	CHECK(again.usage().size == 4_MiB);
	CHECK_THROWS(zeroipc::Memory(seg + "_absent"), std::errc::no_such_file_or_directory);
	CHECK(!zeroipc::Memory::unlink(seg + "_absent"));
	try {
		zeroipc::Memory bad("a/b");
		CHECK(false);
	} catch (const std::system_error &e) {
		CHECK(e.code() == std::errc::invalid_argument);
		CHECK(std::string(e.what()).find("invalid argument") != std::string::npos);
	}
}

void test_array(zeroipc::Memory &mem)
{
	zeroipc::Array<double> a(mem, "grid", 1000);
	CHECK(a.size() == 1000);
	CHECK(a.data_offset() % 4096 == 0);
	std::span<double> s = a;
	std::iota(s.begin(), s.end(), 0.0);
	zeroipc::Array<double> b(mem, "grid"); /* a second handle sees the same memory */
	CHECK(b[999] == 999.0);
	b[3] = -1;
	CHECK(a[3] == -1);
	CHECK_THROWS(zeroipc::Array<std::int64_t>(mem, "grid"), std::errc::invalid_argument);
	zeroipc::Array<Point> pts(mem, "points", 4);
	pts[2] = Point{1.5, 2.5, 7};
	zeroipc::Array<Point> pts2(mem, "points");
	CHECK(pts2[2].id == 7 && pts2[2].y == 2.5);
	auto list = mem.structures();
	CHECK(list.size() == 2);
	CHECK(list[0].name == "grid" && list[0].kind == "array" && list[0].type == "f64");
	CHECK(list[1].type == "bytes:24");
}

void test_queue(zeroipc::Memory &mem)
{
	zeroipc::Queue<std::int64_t> q(mem, "jobs", 8);
	CHECK(q.capacity() == 8);
	auto empty = q.try_pop();
	CHECK(!empty && empty.error() == std::errc::resource_unavailable_try_again);
	auto late = q.pop_for(10ms);
	CHECK(!late && late.error() == std::errc::timed_out);
	q.push(1);
	CHECK(q.try_push(2).has_value());
	CHECK(q.size() == 2);
	CHECK(q.pop() == 1);
	CHECK(*q.try_pop() == 2);
	std::vector<std::int64_t> in(8), out(8);
	std::iota(in.begin(), in.end(), 100);
	CHECK(q.push_batch(std::span<const std::int64_t>(in)) == 8);
	CHECK(!q.try_push(9) && !q.push_for(9, 1ms));
	CHECK(q.pop_batch(out) == 8);
	CHECK(out == in);
	CHECK_THROWS(zeroipc::Queue<double>(mem, "jobs"), std::errc::invalid_argument);
	CHECK_THROWS(zeroipc::Queue<std::int64_t>(mem, "grid"), std::errc::invalid_argument);
	CHECK_THROWS(zeroipc::Queue<std::int64_t>(mem, "nope"), std::errc::no_such_file_or_directory);
}

void test_queue_across_fork(zeroipc::Memory &mem)
{
	constexpr std::int64_t n = 100000;
	zeroipc::Queue<std::int64_t> q(mem, "xproc", 256);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		zeroipc::Queue<std::int64_t> cq(mem, "xproc");
		std::vector<std::int64_t> batch(64);
		for (std::int64_t i = 0; i < n;) {
			std::size_t k = cq.pop_batch(batch);
			for (std::size_t j = 0; j < k; j++, i++)
				if (batch[j] != i)
					_exit(2);
		}
		_exit(0);
	}
	for (std::int64_t i = 0; i < n; i++)
		q.push(i);
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void test_stack(zeroipc::Memory &mem)
{
	zeroipc::Stack<Point> s(mem, "pts", 2);
	s.push({1, 1, 1});
	s.push({2, 2, 2});
	CHECK(!s.try_push({3, 3, 3}));
	CHECK(s.pop().id == 2);
	CHECK(s.try_pop()->id == 1);
	CHECK(s.try_pop().error() == std::errc::resource_unavailable_try_again);
}

void test_future(zeroipc::Memory &mem)
{
	zeroipc::Future<double> f(mem, "answer");
	CHECK(f.try_get().error() == std::errc::resource_unavailable_try_again);
	CHECK(f.get_for(5ms).error() == std::errc::timed_out);
	std::thread setter([&] {
		std::this_thread::sleep_for(20ms);
		zeroipc::Future<double>(mem, "answer").set(42.5);
	});
	CHECK(f.get() == 42.5);
	setter.join();
	CHECK(!f.set(1.0));
	CHECK(f.state() == ZIPC_FUTURE_READY);

	zeroipc::Future<std::int32_t> bad(mem, "bad");
	CHECK(bad.fail("no convergence"));
	try {
		bad.get();
		CHECK(false);
	} catch (const std::system_error &e) {
		CHECK(e.code() == std::errc::io_error);
		CHECK(std::string(e.what()).find("no convergence") != std::string::npos);
	}
	CHECK(bad.error() == "no convergence");
}

void test_lazy(zeroipc::Memory &mem)
{
	int runs = 0;
	zeroipc::Lazy<std::array<double, 4>> lz(mem, "table", [&] {
		runs++;
		return std::array<double, 4>{1, 2, 3, 4};
	});
	CHECK(lz.try_get().error() == std::errc::resource_unavailable_try_again);
	CHECK(lz.force()[3] == 4);
	CHECK(lz.force()[0] == 1);
	CHECK(runs == 1 && lz.compute_count() == 1);
	/* another handle with another function: already computed, never runs */
	zeroipc::Lazy<std::array<double, 4>> other(mem, "table", []() -> std::array<double, 4> {
		throw std::logic_error("must not run");
	});
	CHECK(other.force()[2] == 3);

	/* a throwing computation: the computer gets its exception, others the message */
	zeroipc::Lazy<int> broken(mem, "broken", []() -> int { throw std::runtime_error("diverged"); });
	try {
		broken.force();
		CHECK(false);
	} catch (const std::runtime_error &e) {
		CHECK(std::string(e.what()) == "diverged");
	}
	zeroipc::Lazy<int> reader(mem, "broken");
	CHECK(reader.force_for(1s).error() == std::errc::io_error);
	CHECK(reader.error() == "diverged");

	/* a provider serves a forcer that has no function */
	zeroipc::Lazy<std::int64_t> served(mem, "served", [] { return std::int64_t{77}; });
	std::thread provider([&] { CHECK(served.serve()); });
	zeroipc::Lazy<std::int64_t> demander(mem, "served");
	CHECK(demander.force() == 77);
	provider.join();
	CHECK(!served.provide(5));
}

} // namespace

int main()
{
	std::string seg = zt::segment_name("cpp_structs");
	zeroipc::Memory mem(seg, 4_MiB);
	CHECK(mem.created());
	test_types();
	test_memory(seg);
	test_array(mem);
	test_queue(mem);
	test_queue_across_fork(mem);
	test_stack(mem);
	test_future(mem);
	test_lazy(mem);
	std::puts("ok");
	return 0;
}
