/*
 * zeroipc.hpp: C++23 bindings of libzeroipc, header only.
 *
 * RAII classes over the C API (core/include/zeroipc/): Memory (a segment),
 * Array<T> (a std::span<T> over shared memory), Queue<T>, Stack<T>, Future<T>,
 * Lazy<T>, Stream<T> with Subscription<T>, Channel<T>. Nothing is
 * reimplemented: every call is one C call, so structures made here are the
 * bytes C and Python programs use. T is any trivially copyable type aligned to
 * at most 8; arithmetic types are tagged i8..u64/f32/f64, anything else
 * bytes:sizeof(T) (docs/FORMAT.md, "Type tag").
 *
 * Errors follow the C++ core guidelines' split. Calls whose failure is part
 * of normal use (try_*, *_for with a timeout) return std::expected<...,
 * std::error_code>; the codes compare equal to std::errc values
 * (resource_unavailable_try_again: full/empty, timed_out, interrupted,
 * broken_pipe: closed). Everything else throws std::system_error carrying the
 * library's message (zipc_strerror plus zipc_last_error's detail).
 * Blocking calls without a timeout retry when a signal interrupts them
 * (-EINTR); the *_for forms report it, so a signal handler can end a wait.
 *
 * Constructors with a size (capacity, or a compute function for Lazy) create
 * the structure or open the existing one, as the C *_create calls do; those
 * without open an existing one and check that its element size is sizeof(T).
 */
#ifndef ZEROIPC_HPP
#define ZEROIPC_HPP

#include <zeroipc/channel.h>
#include <zeroipc/stream.h>
#include <zeroipc/zeroipc.h>

#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <expected>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace zeroipc {

// ------------------------------------------------------------------ errors

/* The library's errors: value is the positive errno, message zipc_strerror. */
class error_category_impl final : public std::error_category {
public:
	const char *name() const noexcept override { return "zeroipc"; }
	std::string message(int ev) const override { return zipc_strerror(-ev); }
	std::error_condition default_error_condition(int ev) const noexcept override
	{
		return {ev, std::generic_category()};
	}
};

inline const std::error_category &error_category() noexcept
{
	static const error_category_impl cat;
	return cat;
}

/* The error_code of a negative errno returned by the C library. */
inline std::error_code make_error(long r) noexcept
{
	return {static_cast<int>(r < 0 ? -r : r), error_category()};
}

namespace detail {

/* Errors the library returns without a detail message (it would be stale). */
inline bool has_detail(long r) noexcept
{
	return r != -EAGAIN && r != -ETIMEDOUT && r != -EINTR && r != -EPIPE;
}

[[noreturn]] inline void throw_error(long r, std::string_view context)
{
	std::string what(context);
	if (r == -EIO) { /* a failed future or lazy: the message is the error */
		const char *msg = zipc_last_error();
		throw std::system_error(make_error(r), what + ": " + (msg && *msg ? msg : "failed"));
	}
	if (has_detail(r)) {
		const char *d = zipc_last_error();
		if (d && *d)
			what += std::string(" (") + d + ")";
	}
	throw std::system_error(make_error(r), what);
}

inline long check(long r, std::string_view context)
{
	if (r < 0)
		throw_error(r, context);
	return r;
}

template <class R> std::expected<R, std::error_code> fail(long r)
{
	return std::unexpected(make_error(r));
}

/* NUL-terminated copy of a name. */
inline std::string cstr(std::string_view s) { return std::string(s); }

template <auto Close> struct closer {
	template <class P> void operator()(P *p) const noexcept { Close(p); }
};

template <class H, auto Close> using handle = std::unique_ptr<H, closer<Close>>;

/* Call f() until it returns something other than -EINTR. */
template <class F> auto retry(F &&f)
{
	for (;;) {
		auto r = f();
		if (r != -EINTR)
			return r;
	}
}

} // namespace detail

// ------------------------------------------------------------------ time

using std::chrono::nanoseconds;

/* Wait without a time limit (ZIPC_FOREVER). */
inline constexpr nanoseconds forever = nanoseconds::max();

namespace detail {
inline std::int64_t to_ns(nanoseconds d) noexcept
{
	if (d == forever)
		return ZIPC_FOREVER;
	return d.count() < 0 ? 0 : d.count();
}
} // namespace detail

namespace literals {
/* Sizes: _KiB/_MiB/_GiB are powers of 1024; _KB/_MB/_GB powers of 1000. */
constexpr std::uint64_t operator""_KiB(unsigned long long v) { return v << 10; }
constexpr std::uint64_t operator""_MiB(unsigned long long v) { return v << 20; }
constexpr std::uint64_t operator""_GiB(unsigned long long v) { return v << 30; }
constexpr std::uint64_t operator""_KB(unsigned long long v) { return v * 1000ull; }
constexpr std::uint64_t operator""_MB(unsigned long long v) { return v * 1000000ull; }
constexpr std::uint64_t operator""_GB(unsigned long long v) { return v * 1000000000ull; }
} // namespace literals

// ------------------------------------------------------------------ types

/* What can live in shared memory: copied as bytes, aligned to at most 8. */
template <class T>
concept Element = std::is_trivially_copyable_v<T> && !std::is_const_v<T> &&
		  !std::is_volatile_v<T> && alignof(T) <= 8 && sizeof(T) <= ZIPC_ELEM_SIZE_MAX;

/* The element type tag of T: i8..i64, u8..u64, f32, f64, else bytes:sizeof(T). */
template <class T> constexpr zipc_type type_of() noexcept
{
	constexpr auto n = static_cast<std::uint32_t>(sizeof(T));
	if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
		constexpr bool s = std::is_signed_v<T>;
		if constexpr (n == 1)
			return {s ? ZIPC_ELEM_I8 : ZIPC_ELEM_U8, n};
		else if constexpr (n == 2)
			return {s ? ZIPC_ELEM_I16 : ZIPC_ELEM_U16, n};
		else if constexpr (n == 4)
			return {s ? ZIPC_ELEM_I32 : ZIPC_ELEM_U32, n};
		else if constexpr (n == 8)
			return {s ? ZIPC_ELEM_I64 : ZIPC_ELEM_U64, n};
		else
			return {ZIPC_ELEM_BYTES, n};
	} else if constexpr (std::is_floating_point_v<T> && std::numeric_limits<T>::is_iec559 &&
			     (n == 4 || n == 8)) {
		return {n == 4 ? ZIPC_ELEM_F32 : ZIPC_ELEM_F64, n};
	} else {
		return {ZIPC_ELEM_BYTES, n};
	}
}

/* The name of a type tag: "i64", "bytes:16". */
inline std::string type_name(zipc_type t)
{
	char buf[ZIPC_TYPE_STR_MAX];
	if (zipc_type_format(t, buf, sizeof(buf)) < 0)
		return "bytes:" + std::to_string(t.size);
	return buf;
}

namespace detail {

/* May a structure of element type `actual` be used as T? */
template <class T> void check_type(zipc_type actual, std::string_view what, std::string_view name)
{
	constexpr zipc_type want = type_of<T>();
	bool same = actual.elem == want.elem && actual.size == want.size;
	bool loose = actual.elem == ZIPC_ELEM_NONE || actual.elem == ZIPC_ELEM_BYTES ||
		     want.elem == ZIPC_ELEM_BYTES;
	if (same || (loose && actual.size == want.size))
		return;
	throw std::system_error(make_error(-EINVAL),
				std::string(what) + " '" + std::string(name) + "' holds " +
					type_name(actual) + " elements, not " + type_name(want));
}

/* A value of T from bytes, without requiring T to be default-constructible. */
template <class T> struct raw {
	alignas(T) std::array<std::byte, sizeof(T)> bytes;
	void *data() noexcept { return bytes.data(); }
	T get() const noexcept { return std::bit_cast<T>(bytes); }
};

} // namespace detail

// ------------------------------------------------------------------ Memory

/* One structure in a segment. */
struct structure_info {
	std::string name;
	std::string kind; /* "array", "queue", ... "untyped" */
	std::string type; /* "i64", "bytes:16", ... */
	std::uint64_t offset;
	std::uint64_t size;
};

/*
 * A segment. Memory(name) opens it; Memory(name, size) creates it (or opens
 * it if it exists: every process may run the same line). Structures opened
 * from it keep the mapping alive on their own.
 */
class Memory {
public:
	explicit Memory(std::string_view name)
	{
		zipc_segment *s = nullptr;
		detail::check(zipc_segment_open(detail::cstr(name).c_str(), &s),
			      "open segment '" + std::string(name) + "'");
		seg_.reset(s);
	}

	Memory(std::string_view name, std::uint64_t size, std::uint32_t entries = 0,
	       mode_t mode = 0600)
	{
		std::string n = detail::cstr(name);
		auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
		for (;;) {
			zipc_segment *s = nullptr;
			int r = zipc_segment_open(n.c_str(), &s);
			if (r == 0) {
				seg_.reset(s);
				return;
			}
			if (r == -ENOENT) {
				r = zipc_segment_create(n.c_str(), size, entries, mode, &s);
				if (r == 0) {
					seg_.reset(s);
					created_ = true;
					return;
				}
				if (r != -EEXIST)
					detail::throw_error(r, "create segment '" + n + "'");
			} else if (r != -EBADMSG || std::chrono::steady_clock::now() > deadline) {
				detail::throw_error(r, "open segment '" + n + "'");
			}
			/* EEXIST: created meanwhile; EBADMSG: its creator is still
			 * writing the header. Both pass quickly. */
			std::this_thread::sleep_for(std::chrono::milliseconds(1));
		}
	}

	/* Remove the segment NAME. false if there was none; throws on other errors. */
	static bool unlink(std::string_view name)
	{
		int r = zipc_segment_unlink(detail::cstr(name).c_str());
		if (r == -ENOENT)
			return false;
		detail::check(r, "unlink segment '" + std::string(name) + "'");
		return true;
	}

	zipc_segment *get() const noexcept { return seg_.get(); }
	/* True if this handle created the segment. */
	bool created() const noexcept { return created_; }
	std::string_view name() const { return zipc_segment_name(seg_.get()); }
	void *base() const noexcept { return zipc_segment_base(seg_.get()); }

	struct zipc_segment_usage usage() const
	{
		struct zipc_segment_usage u{};
		detail::check(zipc_segment_usage(seg_.get(), &u), "segment usage");
		return u;
	}

	std::vector<structure_info> structures() const
	{
		std::vector<zipc_entry> es(64);
		for (;;) {
			long n = detail::check(zipc_entry_list(seg_.get(), es.data(), es.size()),
					       "list structures");
			if (static_cast<std::size_t>(n) <= es.size()) {
				es.resize(static_cast<std::size_t>(n));
				break;
			}
			es.resize(static_cast<std::size_t>(n) + 16);
		}
		std::vector<structure_info> out;
		out.reserve(es.size());
		for (const auto &e : es)
			out.push_back({e.name, zipc_kind_name(e.kind), type_name(e.type), e.offset,
				       e.size});
		return out;
	}

	/* Remove the structure NAME from the table. false if there was none. */
	bool remove(std::string_view name)
	{
		int r = zipc_entry_remove(seg_.get(), detail::cstr(name).c_str());
		if (r == -ENOENT)
			return false;
		detail::check(r, "remove '" + std::string(name) + "'");
		return true;
	}

private:
	detail::handle<zipc_segment, zipc_segment_close> seg_;
	bool created_ = false;
};

namespace detail {

/* Create-or-open (size given) or open a structure; throws with context. */
template <class H, class Create, class Open>
H *attach(Memory &mem, std::string_view what, std::string_view name, Create &&create,
	  Open &&open, bool creating)
{
	H *h = nullptr;
	std::string n = cstr(name);
	int r = creating ? create(mem.get(), n.c_str(), &h) : open(mem.get(), n.c_str(), &h);
	check(r, std::string(creating ? "create " : "open ") + std::string(what) + " '" + n + "'");
	return h;
}

/*
 * Future and Lazy: open NAME if it exists (whatever element type it was made
 * with), else create it as one T. Then its value must be sizeof(T) bytes.
 */
template <class T, class H, class Create, class Open, class Close, class Size>
H *open_or_create_value(Memory &mem, std::string_view what, std::string_view name,
			Create &&create, Open &&open, Close &&close, Size &&value_size)
{
	std::string n = cstr(name);
	H *h = nullptr;
	int r = 0;
	for (int i = 0; i < 3; i++) {
		r = open(mem.get(), n.c_str(), &h);
		if (r != -ENOENT)
			break;
		r = create(mem.get(), n.c_str(), type_of<T>(), 1u, &h);
		if (r != -EEXIST) /* EEXIST: made meanwhile by another process */
			break;
	}
	check(r, "open " + std::string(what) + " '" + n + "'");
	if (std::size_t got = value_size(h); got != sizeof(T)) {
		close(h);
		throw std::system_error(make_error(-EINVAL),
					std::string(what) + " '" + n + "' holds " +
						std::to_string(got) + " bytes, not " +
						std::to_string(sizeof(T)));
	}
	return h;
}

} // namespace detail

// ------------------------------------------------------------------ Array

/*
 * A fixed number of T in shared memory, used in place: span() is the shared
 * memory itself. No synchronisation is added to element access.
 */
template <class T> class Array {
	static_assert(std::is_trivially_copyable_v<T>, "Array<T>: T must be trivially copyable");
	static_assert(alignof(T) <= 8, "Array<T>: T must be aligned to at most 8");

public:
	/* Create (zero-filled) or open the array NAME of capacity elements. */
	Array(Memory &mem, std::string_view name, std::uint64_t capacity)
	{
		init(mem, name, capacity, true);
	}
	/* Open the existing array NAME. */
	Array(Memory &mem, std::string_view name) { init(mem, name, 0, false); }

	std::span<T> span() const noexcept { return span_; }
	operator std::span<T>() const noexcept { return span_; }
	T *data() const noexcept { return span_.data(); }
	std::size_t size() const noexcept { return span_.size(); }
	T &operator[](std::size_t i) const noexcept { return span_[i]; }
	auto begin() const noexcept { return span_.begin(); }
	auto end() const noexcept { return span_.end(); }
	/* Offset of element 0 in the segment (page-aligned for arrays made here). */
	std::uint64_t data_offset() const noexcept { return zipc_array_data_offset(h_.get()); }
	zipc_array *get() const noexcept { return h_.get(); }

private:
	void init(Memory &mem, std::string_view name, std::uint64_t capacity, bool creating)
	{
		h_.reset(detail::attach<zipc_array>(
			mem, "array", name,
			[&](zipc_segment *s, const char *n, zipc_array **o) {
				return zipc_array_create(s, n, type_of<T>(), capacity, o);
			},
			zipc_array_open, creating));
		detail::check_type<T>(zipc_array_type(h_.get()), "array", name);
		span_ = {static_cast<T *>(zipc_array_data(h_.get())),
			 static_cast<std::size_t>(zipc_array_capacity(h_.get()))};
	}

	detail::handle<zipc_array, zipc_array_close> h_;
	std::span<T> span_;
};

// ------------------------------------------------------------------ Queue, Stack

namespace detail {

/* What Queue and Stack share; Ops names the C calls. */
template <class T, class H, class Ops> class bounded {
	static_assert(std::is_trivially_copyable_v<T>, "T must be trivially copyable");
	static_assert(alignof(T) <= 8, "T must be aligned to at most 8");

public:
	/* Wait (forever) for room, then push. */
	void push(const T &v)
	{
		check(retry([&] { return Ops::push(h_.get(), &v, ZIPC_FOREVER); }), "push");
	}
	/* Wait (forever) for an element, then pop it. */
	T pop()
	{
		raw<T> out;
		check(retry([&] { return Ops::pop(h_.get(), out.data(), ZIPC_FOREVER); }), "pop");
		return out.get();
	}
	/* Push now, or resource_unavailable_try_again if full. */
	std::expected<void, std::error_code> try_push(const T &v)
	{
		int r = Ops::try_push(h_.get(), &v);
		if (r < 0)
			return fail<void>(r);
		return {};
	}
	/* Pop now, or resource_unavailable_try_again if empty. */
	std::expected<T, std::error_code> try_pop()
	{
		raw<T> out;
		int r = Ops::try_pop(h_.get(), out.data());
		if (r < 0)
			return fail<T>(r);
		return out.get();
	}
	/* Push, waiting up to d: timed_out, interrupted (a signal). */
	std::expected<void, std::error_code> push_for(const T &v, nanoseconds d)
	{
		int r = Ops::push(h_.get(), &v, to_ns(d));
		if (r < 0)
			return fail<void>(r);
		return {};
	}
	/* Pop, waiting up to d: timed_out, interrupted (a signal). */
	std::expected<T, std::error_code> pop_for(nanoseconds d)
	{
		raw<T> out;
		int r = Ops::pop(h_.get(), out.data(), to_ns(d));
		if (r < 0)
			return fail<T>(r);
		return out.get();
	}

	std::uint32_t capacity() const noexcept { return Ops::capacity(h_.get()); }
	/* Elements in it now (a snapshot). */
	std::uint32_t size() const noexcept { return Ops::count(h_.get()); }
	bool empty() const noexcept { return size() == 0; }
	void set_stall_timeout(nanoseconds d)
	{
		check(Ops::set_stall_timeout(h_.get(), d.count()), "set stall timeout");
	}
	H *get() const noexcept { return h_.get(); }

protected:
	void init(Memory &mem, std::string_view what, std::string_view name,
		  std::uint32_t capacity, bool creating)
	{
		h_.reset(attach<H>(
			mem, what, name,
			[&](zipc_segment *s, const char *n, H **o) {
				return Ops::create(s, n, type_of<T>(), capacity, o);
			},
			Ops::open, creating));
		check_type<T>(Ops::type(h_.get()), what, name);
	}

	handle<H, Ops::close> h_;
};

struct queue_ops {
	static constexpr auto create = zipc_queue_create;
	static constexpr auto open = zipc_queue_open;
	static constexpr auto close = zipc_queue_close;
	static constexpr auto type = zipc_queue_type;
	static constexpr auto capacity = zipc_queue_capacity;
	static constexpr auto count = zipc_queue_count;
	static constexpr auto push = zipc_queue_push;
	static constexpr auto pop = zipc_queue_pop;
	static constexpr auto try_push = zipc_queue_try_push;
	static constexpr auto try_pop = zipc_queue_try_pop;
	static constexpr auto set_stall_timeout = zipc_queue_set_stall_timeout;
};

struct stack_ops {
	static constexpr auto create = zipc_stack_create;
	static constexpr auto open = zipc_stack_open;
	static constexpr auto close = zipc_stack_close;
	static constexpr auto type = zipc_stack_type;
	static constexpr auto capacity = zipc_stack_capacity;
	static constexpr auto count = zipc_stack_count;
	static constexpr auto push = zipc_stack_push;
	static constexpr auto pop = zipc_stack_pop;
	static constexpr auto try_push = zipc_stack_try_push;
	static constexpr auto try_pop = zipc_stack_try_pop;
	static constexpr auto set_stall_timeout = zipc_stack_set_stall_timeout;
};

} // namespace detail

/* Bounded MPMC FIFO (capacity rounded up to a power of two). */
template <class T> class Queue : public detail::bounded<T, zipc_queue, detail::queue_ops> {
	using base = detail::bounded<T, zipc_queue, detail::queue_ops>;

public:
	Queue(Memory &mem, std::string_view name, std::uint32_t capacity)
	{
		base::init(mem, "queue", name, capacity, true);
	}
	Queue(Memory &mem, std::string_view name) { base::init(mem, "queue", name, 0, false); }

	/* Push all of elems in order (one claim per stretch of room), waiting forever. */
	std::size_t push_batch(std::span<const T> elems)
	{
		std::size_t done = 0;
		while (done < elems.size()) {
			ssize_t r = zipc_queue_push_batch(this->h_.get(), elems.data() + done,
							  elems.size() - done, ZIPC_FOREVER);
			if (r == -EINTR)
				continue;
			done += static_cast<std::size_t>(detail::check(r, "push batch"));
		}
		return done;
	}
	/* Pop 1..out.size() elements with one claim, waiting forever for the first. */
	std::size_t pop_batch(std::span<T> out)
	{
		if (out.empty())
			return 0;
		ssize_t r = detail::retry([&] {
			return zipc_queue_pop_batch(this->h_.get(), out.data(), out.size(),
						    ZIPC_FOREVER);
		});
		return static_cast<std::size_t>(detail::check(r, "pop batch"));
	}
	/* Push as many leading elements as fit now: 1..n, or try_again. */
	std::expected<std::size_t, std::error_code> try_push_batch(std::span<const T> elems)
	{
		ssize_t r = zipc_queue_try_push_batch(this->h_.get(), elems.data(), elems.size());
		if (r < 0)
			return detail::fail<std::size_t>(r);
		return static_cast<std::size_t>(r);
	}
	/* Pop 1..out.size() elements now, or try_again. */
	std::expected<std::size_t, std::error_code> try_pop_batch(std::span<T> out)
	{
		ssize_t r = zipc_queue_try_pop_batch(this->h_.get(), out.data(), out.size());
		if (r < 0)
			return detail::fail<std::size_t>(r);
		return static_cast<std::size_t>(r);
	}
	/* Push, waiting up to d: how many were pushed (possibly fewer), or the error if none. */
	std::expected<std::size_t, std::error_code> push_batch_for(std::span<const T> elems,
								   nanoseconds d)
	{
		ssize_t r = zipc_queue_push_batch(this->h_.get(), elems.data(), elems.size(),
						  detail::to_ns(d));
		if (r < 0)
			return detail::fail<std::size_t>(r);
		return static_cast<std::size_t>(r);
	}
	/* Pop 1..out.size(), waiting up to d for the first. */
	std::expected<std::size_t, std::error_code> pop_batch_for(std::span<T> out, nanoseconds d)
	{
		ssize_t r = zipc_queue_pop_batch(this->h_.get(), out.data(), out.size(),
						 detail::to_ns(d));
		if (r < 0)
			return detail::fail<std::size_t>(r);
		return static_cast<std::size_t>(r);
	}
	struct zipc_queue_stats stats() const noexcept
	{
		struct zipc_queue_stats s{};
		zipc_queue_stats(this->h_.get(), &s);
		return s;
	}
};

/* Bounded LIFO. */
template <class T> class Stack : public detail::bounded<T, zipc_stack, detail::stack_ops> {
	using base = detail::bounded<T, zipc_stack, detail::stack_ops>;

public:
	Stack(Memory &mem, std::string_view name, std::uint32_t capacity)
	{
		base::init(mem, "stack", name, capacity, true);
	}
	Stack(Memory &mem, std::string_view name) { base::init(mem, "stack", name, 0, false); }
};

// ------------------------------------------------------------------ Future

/* The failure of a future or lazy value, with the message every reader gets. */
inline std::error_code failed_error() noexcept { return make_error(-EIO); }

/*
 * A T that some process will set, once. Future(mem, name) creates it (one T)
 * or opens it if it exists with a value of sizeof(T) bytes.
 */
template <class T> class Future {
	static_assert(std::is_trivially_copyable_v<T>, "Future<T>: T must be trivially copyable");
	static_assert(alignof(T) <= 8, "Future<T>: T must be aligned to at most 8");

public:
	Future(Memory &mem, std::string_view name)
	{
		zipc_future *h = detail::open_or_create_value<T, zipc_future>(
			mem, "future", name, zipc_future_create, zipc_future_open, zipc_future_close,
			zipc_future_value_size);
		h_.reset(h);
	}

	/* Set the value and wake every getter. false if set or failed before. */
	bool set(const T &v)
	{
		int r = zipc_future_set(h_.get(), &v);
		if (r == -EALREADY)
			return false;
		detail::check(r, "set future");
		return true;
	}
	/* Fail it with message (every getter throws it). false if done before. */
	bool fail(std::string_view message)
	{
		int r = zipc_future_fail(h_.get(), detail::cstr(message).c_str());
		if (r == -EALREADY)
			return false;
		detail::check(r, "fail future");
		return true;
	}
	/* The value, waiting forever. Throws std::system_error (EIO, the message) if failed. */
	T get()
	{
		detail::raw<T> out;
		detail::check(detail::retry([&] {
			return zipc_future_get(h_.get(), out.data(), ZIPC_FOREVER);
		}),
			      "future");
		return out.get();
	}
	/* The value if set; try_again while pending; io_error if failed (see error()). */
	std::expected<T, std::error_code> try_get()
	{
		detail::raw<T> out;
		int r = zipc_future_try_get(h_.get(), out.data());
		if (r < 0)
			return detail::fail<T>(r);
		return out.get();
	}
	/* The value, waiting up to d: timed_out, interrupted, io_error (failed). */
	std::expected<T, std::error_code> get_for(nanoseconds d)
	{
		detail::raw<T> out;
		int r = zipc_future_get(h_.get(), out.data(), detail::to_ns(d));
		if (r < 0)
			return detail::fail<T>(r);
		return out.get();
	}
	enum zipc_future_state state() const noexcept { return zipc_future_state(h_.get()); }
	/* The failure message, if it failed. */
	std::optional<std::string> error() const
	{
		char buf[ZIPC_ERROR_MESSAGE_MAX];
		if (zipc_future_error(h_.get(), buf, sizeof(buf)) < 0)
			return std::nullopt;
		return std::string(buf);
	}
	zipc_future *get_handle() const noexcept { return h_.get(); }

private:
	detail::handle<zipc_future, zipc_future_close> h_;
};

// ------------------------------------------------------------------ Lazy

/*
 * A T computed at most once for every process, on demand.
 *
 *	Lazy<Matrix> h(mem, "H_matrix", [] { return compute_hamiltonian(); });
 *	Matrix m = h.force();   // computes here, or waits for whoever computes, or copies
 *
 * Lazy(mem, name, compute) creates or opens it and keeps compute as the
 * default function of force(); Lazy(mem, name) does the same without one:
 * force() then waits for a provider (serve()) or another forcer. The
 * function runs in the forcing process, once across all of them; if it
 * throws, every forcer gets std::system_error(EIO) with what() of the
 * exception, and the computing process gets the original exception.
 */
template <class T> class Lazy {
	static_assert(std::is_trivially_copyable_v<T>, "Lazy<T>: T must be trivially copyable");
	static_assert(alignof(T) <= 8, "Lazy<T>: T must be aligned to at most 8");

public:
	using compute_fn = std::function<T()>;

	template <class F>
		requires std::invocable<F &> && std::convertible_to<std::invoke_result_t<F &>, T>
	Lazy(Memory &mem, std::string_view name, F &&compute)
		: Lazy(mem, name)
	{
		compute_ = std::forward<F>(compute);
	}

	Lazy(Memory &mem, std::string_view name)
	{
		zipc_lazy *h = detail::open_or_create_value<T, zipc_lazy>(
			mem, "lazy", name, zipc_lazy_create, zipc_lazy_open, zipc_lazy_close,
			zipc_lazy_value_size);
		h_.reset(h);
	}

	/* The value: computed by the constructor's function if nobody has yet. */
	T force() { return force_with(compute_ ? &compute_ : nullptr); }

	/* The value, computed by f if nobody has yet. */
	template <class F>
		requires std::invocable<F &> && std::convertible_to<std::invoke_result_t<F &>, T>
	T force(F &&f)
	{
		compute_fn fn(std::forward<F>(f));
		return force_with(&fn);
	}

	/* As force(), waiting up to d: timed_out, interrupted, io_error (failed). */
	std::expected<T, std::error_code> force_for(nanoseconds d)
	{
		detail::raw<T> out;
		call c{compute_ ? &compute_ : nullptr, {}};
		int r = zipc_lazy_force(h_.get(), c.fn ? trampoline : nullptr, &c, out.data(),
					detail::to_ns(d));
		if (r < 0)
			return detail::fail<T>(r);
		return out.get();
	}

	/* The value if computed: try_again (not yet), io_error (failed). */
	std::expected<T, std::error_code> try_get()
	{
		detail::raw<T> out;
		int r = zipc_lazy_try_get(h_.get(), out.data());
		if (r < 0)
			return detail::fail<T>(r);
		return out.get();
	}

	/*
	 * Be a provider: wait (forever) until a process forces without a function,
	 * then compute with the constructor's function. true if this call computed
	 * it, false if it is already there.
	 */
	bool serve()
	{
		if (!compute_)
			throw std::system_error(make_error(-EINVAL), "serve: no compute function");
		call c{&compute_, {}};
		int r = detail::retry(
			[&] { return zipc_lazy_serve(h_.get(), trampoline, &c, ZIPC_FOREVER); });
		if (r == -EALREADY)
			return false;
		detail::check(r, "serve lazy");
		return true;
	}

	/* Publish v as the value. false if it is there or being computed. */
	bool provide(const T &v)
	{
		int r = zipc_lazy_provide(h_.get(), &v);
		if (r == -EALREADY)
			return false;
		detail::check(r, "provide lazy");
		return true;
	}

	struct zipc_lazy_info info() const noexcept
	{
		struct zipc_lazy_info i{};
		zipc_lazy_info(h_.get(), &i);
		return i;
	}
	/* Computations started so far, across all processes (1 after a normal force). */
	std::uint32_t compute_count() const noexcept { return info().compute_count; }
	std::optional<std::string> error() const
	{
		char buf[ZIPC_ERROR_MESSAGE_MAX];
		if (zipc_lazy_error(h_.get(), buf, sizeof(buf)) < 0)
			return std::nullopt;
		return std::string(buf);
	}
	zipc_lazy *get() const noexcept { return h_.get(); }

private:
	struct call {
		compute_fn *fn;
		std::exception_ptr raised;
	};

	static void set_message(char *err, std::size_t len, const char *msg) noexcept
	{
		if (len == 0)
			return;
		std::size_t n = std::strlen(msg);
		n = n < len - 1 ? n : len - 1;
		std::memcpy(err, msg, n);
		err[n] = '\0';
	}

	/* zipc_lazy_compute_fn: run the std::function, never let an exception into C. */
	static int trampoline(void *ctx, void *out, char *err, std::size_t errlen) noexcept
	{
		auto *c = static_cast<call *>(ctx);
		try {
			T v = (*c->fn)();
			std::memcpy(out, &v, sizeof(T));
			return 0;
		} catch (const std::exception &e) {
			set_message(err, errlen, e.what());
			c->raised = std::current_exception();
		} catch (...) {
			set_message(err, errlen, "unknown exception");
			c->raised = std::current_exception();
		}
		return -EIO;
	}

	T force_with(compute_fn *fn)
	{
		detail::raw<T> out;
		call c{fn, {}};
		int r = detail::retry([&] {
			return zipc_lazy_force(h_.get(), fn ? trampoline : nullptr, &c, out.data(),
					       ZIPC_FOREVER);
		});
		if (r < 0 && c.raised)
			std::rethrow_exception(c.raised);
		detail::check(r, "lazy");
		return out.get();
	}

	detail::handle<zipc_lazy, zipc_lazy_close> h_;
	compute_fn compute_;
};

// ------------------------------------------------------------------ Stream

namespace detail {
/* Input iteration over something with next() -> std::optional<T>; ends at nullopt. */
template <class Source, class T> class next_iterator {
public:
	using value_type = T;
	using difference_type = std::ptrdiff_t;

	next_iterator() = default;
	explicit next_iterator(Source *s) : src_(s) { ++*this; }
	const T &operator*() const noexcept { return *cur_; }
	next_iterator &operator++()
	{
		cur_ = src_->next();
		return *this;
	}
	void operator++(int) { ++*this; }
	bool operator==(std::default_sentinel_t) const noexcept { return !cur_.has_value(); }

private:
	Source *src_ = nullptr;
	std::optional<T> cur_;
};
} // namespace detail

template <class T> class Stream;

/* One reader of a Stream; iteration ends when the stream is closed and drained. */
template <class T> class Subscription {
public:
	/* The next element, waiting forever; nullopt when the stream is closed and drained. */
	std::optional<T> next()
	{
		detail::raw<T> out;
		int r = detail::retry(
			[&] { return zipc_stream_next(h_.get(), out.data(), ZIPC_FOREVER); });
		if (r == -EPIPE)
			return std::nullopt;
		detail::check(r, "stream next");
		return out.get();
	}
	/* The next element now: try_again, broken_pipe (closed and drained). */
	std::expected<T, std::error_code> try_next()
	{
		detail::raw<T> out;
		int r = zipc_stream_try_next(h_.get(), out.data());
		if (r < 0)
			return detail::fail<T>(r);
		return out.get();
	}
	/* The next element, waiting up to d: timed_out, interrupted, broken_pipe. */
	std::expected<T, std::error_code> next_for(nanoseconds d)
	{
		detail::raw<T> out;
		int r = zipc_stream_next(h_.get(), out.data(), detail::to_ns(d));
		if (r < 0)
			return detail::fail<T>(r);
		return out.get();
	}
	/* 1..out.size() next elements, waiting forever for the first; 0 at the end. */
	std::size_t next_batch(std::span<T> out)
	{
		ssize_t r = detail::retry([&] {
			return zipc_stream_next_batch(h_.get(), out.data(), out.size(), ZIPC_FOREVER);
		});
		if (r == -EPIPE)
			return 0;
		return static_cast<std::size_t>(detail::check(r, "stream next"));
	}
	/* Elements overwritten before this reader got them (overwrite policy). */
	std::uint64_t missed() const noexcept { return zipc_stream_missed(h_.get()); }
	std::uint64_t cursor() const noexcept { return zipc_stream_cursor(h_.get()); }

	auto begin() { return detail::next_iterator<Subscription, T>(this); }
	std::default_sentinel_t end() const noexcept { return {}; }

private:
	friend class Stream<T>;
	explicit Subscription(zipc_sub *s) : h_(s) {}
	detail::handle<zipc_sub, zipc_stream_unsubscribe> h_;
};

/*
 * Unbounded sequence, many writers, many readers. Stream(mem, name,
 * capacity, policy) creates or opens it; Stream(mem, name) opens it.
 */
template <class T> class Stream {
	static_assert(std::is_trivially_copyable_v<T>, "Stream<T>: T must be trivially copyable");
	static_assert(alignof(T) <= 8, "Stream<T>: T must be aligned to at most 8");

public:
	Stream(Memory &mem, std::string_view name, std::uint32_t capacity,
	       enum zipc_stream_policy policy = ZIPC_STREAM_BLOCK, std::uint32_t max_subscribers = 0)
	{
		init(mem, name, [&](zipc_segment *s, const char *n, zipc_stream **o) {
			return zipc_stream_create(s, n, type_of<T>(), capacity, policy,
						  max_subscribers, o);
		}, true);
	}
	Stream(Memory &mem, std::string_view name)
	{
		init(mem, name, [](zipc_segment *, const char *, zipc_stream **) { return 0; }, false);
	}

	/* Emit one element, waiting forever for room (block policy). Throws if closed. */
	void emit(const T &v)
	{
		detail::check(detail::retry([&] {
			return zipc_stream_emit(h_.get(), &v, ZIPC_FOREVER);
		}),
			      "emit");
	}
	/* Emit now: try_again (a reader is a ring behind), broken_pipe (closed). */
	std::expected<void, std::error_code> try_emit(const T &v)
	{
		int r = zipc_stream_try_emit(h_.get(), &v);
		if (r < 0)
			return detail::fail<void>(r);
		return {};
	}
	std::expected<void, std::error_code> emit_for(const T &v, nanoseconds d)
	{
		int r = zipc_stream_emit(h_.get(), &v, detail::to_ns(d));
		if (r < 0)
			return detail::fail<void>(r);
		return {};
	}
	/* Emit all of elems in order, waiting forever. Throws if closed. */
	std::size_t emit_batch(std::span<const T> elems)
	{
		std::size_t done = 0;
		while (done < elems.size()) {
			ssize_t r = zipc_stream_emit_batch(h_.get(), elems.data() + done,
							   elems.size() - done, ZIPC_FOREVER);
			if (r == -EINTR)
				continue;
			done += static_cast<std::size_t>(detail::check(r, "emit batch"));
		}
		return done;
	}
	/* End the stream for everyone: readers drain, then stop. Idempotent. */
	void close() { detail::check(zipc_stream_close(h_.get()), "close stream"); }
	bool closed() const noexcept { return zipc_stream_is_closed(h_.get()); }
	std::uint64_t emitted() const noexcept { return zipc_stream_emitted(h_.get()); }
	std::uint32_t subscribers() const noexcept { return zipc_stream_subscribers(h_.get()); }
	std::uint32_t capacity() const noexcept { return zipc_stream_capacity(h_.get()); }

	Subscription<T> subscribe(enum zipc_stream_start start = ZIPC_STREAM_FROM_NOW)
	{
		zipc_sub *s = nullptr;
		detail::check(zipc_stream_subscribe(h_.get(), start, &s), "subscribe");
		return Subscription<T>(s);
	}
	zipc_stream *get() const noexcept { return h_.get(); }

private:
	template <class Create>
	void init(Memory &mem, std::string_view name, Create &&create, bool creating)
	{
		h_.reset(detail::attach<zipc_stream>(mem, "stream", name, create, zipc_stream_open,
						     creating));
		detail::check_type<T>(zipc_stream_type(h_.get()), "stream", name);
	}

	detail::handle<zipc_stream, zipc_stream_close_handle> h_;
};

// ------------------------------------------------------------------ Channel

/*
 * CSP channel. Channel(mem, name, capacity) creates or opens it (capacity 0:
 * unbuffered); Channel(mem, name) opens it. recv() returns nullopt and
 * iteration ends once the channel is closed and drained.
 */
template <class T> class Channel {
	static_assert(std::is_trivially_copyable_v<T>, "Channel<T>: T must be trivially copyable");
	static_assert(alignof(T) <= 8, "Channel<T>: T must be aligned to at most 8");

public:
	Channel(Memory &mem, std::string_view name, std::uint32_t capacity)
	{
		init(mem, name, capacity, true);
	}
	Channel(Memory &mem, std::string_view name) { init(mem, name, 0, false); }

	/* Send, waiting forever. Throws std::system_error (broken_pipe) if closed. */
	void send(const T &v)
	{
		detail::check(detail::retry([&] {
			return zipc_channel_send(h_.get(), &v, ZIPC_FOREVER);
		}),
			      "send");
	}
	std::expected<void, std::error_code> try_send(const T &v)
	{
		int r = zipc_channel_try_send(h_.get(), &v);
		if (r < 0)
			return detail::fail<void>(r);
		return {};
	}
	std::expected<void, std::error_code> send_for(const T &v, nanoseconds d)
	{
		int r = zipc_channel_send(h_.get(), &v, detail::to_ns(d));
		if (r < 0)
			return detail::fail<void>(r);
		return {};
	}
	/* Receive, waiting forever; nullopt once closed and drained. */
	std::optional<T> recv()
	{
		detail::raw<T> out;
		int r = detail::retry(
			[&] { return zipc_channel_recv(h_.get(), out.data(), ZIPC_FOREVER); });
		if (r == -EPIPE)
			return std::nullopt;
		detail::check(r, "recv");
		return out.get();
	}
	/* Receive now: try_again, broken_pipe (closed and drained). */
	std::expected<T, std::error_code> try_recv()
	{
		detail::raw<T> out;
		int r = zipc_channel_try_recv(h_.get(), out.data());
		if (r < 0)
			return detail::fail<T>(r);
		return out.get();
	}
	std::expected<T, std::error_code> recv_for(nanoseconds d)
	{
		detail::raw<T> out;
		int r = zipc_channel_recv(h_.get(), out.data(), detail::to_ns(d));
		if (r < 0)
			return detail::fail<T>(r);
		return out.get();
	}
	/* Close for everyone: sends fail, receivers drain then stop. Idempotent. */
	void close() { detail::check(zipc_channel_close(h_.get()), "close channel"); }
	bool closed() const noexcept { return zipc_channel_is_closed(h_.get()) != 0; }
	std::uint32_t size() const noexcept { return zipc_channel_count(h_.get()); }
	std::uint32_t capacity() const noexcept { return zipc_channel_capacity(h_.get()); }

	auto begin() { return detail::next_iterator<Channel, T>(this); }
	std::default_sentinel_t end() const noexcept { return {}; }
	std::optional<T> next() { return recv(); }

	zipc_channel *get() const noexcept { return h_.get(); }

private:
	void init(Memory &mem, std::string_view name, std::uint32_t capacity, bool creating)
	{
		h_.reset(detail::attach<zipc_channel>(
			mem, "channel", name,
			[&](zipc_segment *s, const char *n, zipc_channel **o) {
				return zipc_channel_create(s, n, type_of<T>(), capacity, o);
			},
			zipc_channel_open, creating));
		detail::check_type<T>(zipc_channel_type(h_.get()), "channel", name);
	}

	detail::handle<zipc_channel, zipc_channel_close_handle> h_;
};

/* What select() got: the index of the channel, and its value (nullopt: closed). */
template <class T> struct selected {
	std::size_t index;
	std::optional<T> value;
};

/*
 * Wait up to d until one of chans has a value (received) or is closed and
 * drained. Errors: timed_out, interrupted, invalid_argument (0 or > 64).
 */
template <class T>
std::expected<selected<T>, std::error_code> select(std::span<Channel<T> *const> chans,
						   nanoseconds d = forever)
{
	std::vector<zipc_channel *> hs;
	hs.reserve(chans.size());
	for (Channel<T> *c : chans)
		hs.push_back(c->get());
	detail::raw<T> out;
	int status = 0;
	int r = zipc_channel_select(hs.data(), hs.size(), out.data(), &status, detail::to_ns(d));
	if (r < 0)
		return detail::fail<selected<T>>(r);
	if (status == -EPIPE)
		return selected<T>{static_cast<std::size_t>(r), std::nullopt};
	if (status < 0)
		return detail::fail<selected<T>>(status);
	return selected<T>{static_cast<std::size_t>(r), out.get()};
}

template <class T>
std::expected<selected<T>, std::error_code> select(std::initializer_list<Channel<T> *> chans,
						   nanoseconds d = forever)
{
	return select<T>(std::span<Channel<T> *const>(chans.begin(), chans.size()), d);
}

} // namespace zeroipc

#endif
