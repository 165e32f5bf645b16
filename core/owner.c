/* Owner words: pid + start time, and the liveness check behind dead-peer recovery. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "owner_i.h"

/*
 * Start time (field 22 of /proc/PID/stat), or 0 if unreadable; *zombie is
 * set when the process has exited but not been reaped (state Z or X).
 */
static uint64_t start_time(pid_t pid, bool *zombie)
{
	char path[64], buf[1024];
	const char *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* The command name (field 2) may contain spaces: count from its ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	*zombie = p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p ? strtoull(p + 1, NULL, 10) : 0;
}

uint64_t zipc__owner_self(void)
{
	static _Thread_local pid_t cached_pid;
	static _Thread_local uint64_t cached;
	pid_t pid = getpid();
	bool zombie;

	if (pid != cached_pid) {
		cached = (uint64_t)(uint32_t)pid | (start_time(pid, &zombie) & 0xffffffffu) << 32;
		cached_pid = pid;
	}
	return cached;
}

bool zipc__owner_alive(uint64_t owner)
{
	pid_t pid = (pid_t)zipc__owner_pid(owner);
	bool zombie = false;
	uint64_t now;

	if (pid <= 0)
		return false;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	now = start_time(pid, &zombie);
	if (zombie)
		return false;
	/* Unreadable /proc (another pid namespace): trust kill(). */
	return now == 0 || (now & 0xffffffffu) == owner >> 32;
}
