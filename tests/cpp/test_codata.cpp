/*
 * Description: Stream<T> and Channel<T> of the C++23 header: emit/subscribe
 * with range-for ending at close, try/for forms as std::expected, channel
 * send/recv across fork(), iteration ending at close, and select.
 */
#include <chrono>
#include <cstdint>
#include <sys/wait.h>
#include <thread>
#include <vector>

#include "check.hpp"

using namespace std::chrono_literals;
using namespace zeroipc::literals;

namespace {

struct Tick {
	std::int64_t seq;
	double price;
};

void test_stream(zeroipc::Memory &mem)
{
	zeroipc::Stream<Tick> st(mem, "ticks", 64);
	auto sub = st.subscribe();
	CHECK(st.subscribers() == 1);
	CHECK(sub.try_next().error() == std::errc::resource_unavailable_try_again);
	CHECK(sub.next_for(5ms).error() == std::errc::timed_out);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		zeroipc::Stream<Tick> w(mem, "ticks");
		for (std::int64_t i = 0; i < 1000; i++)
			w.emit({i, 100.0 + i});
		w.close();
		_exit(0);
	}
	std::int64_t expect = 0;
	for (const Tick &t : sub) {
		CHECK(t.seq == expect && t.price == 100.0 + expect);
		expect++;
	}
	CHECK(expect == 1000);
	CHECK(st.closed() && st.emitted() == 1000);
	CHECK(!sub.next().has_value());
	CHECK_THROWS(st.emit({0, 0}), std::errc::broken_pipe);
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void test_channel(zeroipc::Memory &mem)
{
	zeroipc::Channel<std::int64_t> ch(mem, "work", 16);
	CHECK(ch.try_recv().error() == std::errc::resource_unavailable_try_again);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		zeroipc::Channel<std::int64_t> c(mem, "work");
		for (std::int64_t i = 1; i <= 500; i++)
			c.send(i);
		c.close();
		_exit(0);
	}
	std::int64_t sum = 0, n = 0;
	for (std::int64_t v : ch) {
		sum += v;
		n++;
	}
	CHECK(n == 500 && sum == 500 * 501 / 2);
	CHECK(ch.closed());
	CHECK(ch.try_recv().error() == std::errc::broken_pipe);
	CHECK_THROWS(ch.send(1), std::errc::broken_pipe);
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void test_select(zeroipc::Memory &mem)
{
	zeroipc::Channel<std::int64_t> a(mem, "sel_a", 4), b(mem, "sel_b", 4);
	auto none = zeroipc::select({&a, &b}, 5ms);
	CHECK(!none && none.error() == std::errc::timed_out);
	b.send(7);
	auto got = zeroipc::select({&a, &b});
	CHECK(got && got->index == 1 && got->value == 7);
	a.close();
	auto closed = zeroipc::select({&a, &b}, 1s);
	CHECK(closed && closed->index == 0 && !closed->value.has_value());
}

void test_unbuffered(zeroipc::Memory &mem)
{
	zeroipc::Channel<std::int32_t> ch(mem, "rendezvous", 0);
	CHECK(ch.capacity() == 0);
	std::thread receiver([&] { CHECK(ch.recv() == 5); });
	ch.send(5); /* returns once the receiver took it */
	receiver.join();
	CHECK(!ch.send_for(6, 10ms).has_value());
}

} // namespace

int main()
{
	std::string seg = zt::segment_name("cpp_codata");
	zeroipc::Memory mem(seg, 4_MiB);
	test_stream(mem);
	test_channel(mem);
	test_select(mem);
	test_unbuffered(mem);
	std::puts("ok");
	return 0;
}
