/*
 * zeroipc: inspect and use zeroipc shared-memory segments from the shell.
 *
 * main only dispatches: it finds the command, has args.c split its
 * arguments, prints help, and runs the command (cmd_*.c), whose return value
 * is the exit code: 0 ok, 1 the operation failed, 2 usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "values.h"

static const struct cli_command *const commands[] = {
	&cli_cmd_ls,  &cli_cmd_show, &cli_cmd_create, &cli_cmd_new,   &cli_cmd_push,
	&cli_cmd_pop, &cli_cmd_get,  &cli_cmd_set,    &cli_cmd_rm,    &cli_cmd_tag,
	&cli_cmd_serve, &cli_cmd_close,
};

#define COMMANDS_NR (sizeof(commands) / sizeof(commands[0]))

static void help_all(void)
{
	printf("usage: zeroipc COMMAND [ARGUMENTS]\n"
	       "       zeroipc COMMAND --help, zeroipc --help [COMMAND]\n\n"
	       "Inspect and use zeroipc segments (POSIX shared memory, /dev/shm).\n\n"
	       "Commands:\n");
	for (size_t i = 0; i < COMMANDS_NR; i++)
		printf("  %-7s %s\n", commands[i]->name, commands[i]->summary);
	printf("\n" CLI_VALUES_HELP "\n"
	       "Exit status: 0 ok, 1 the operation failed (not found, empty, full, ...),\n"
	       "2 usage error. Errors are one line on stderr: \"zeroipc: WHAT: REASON\".\n");
}

static void help_command(const struct cli_command *cmd)
{
	printf("usage: zeroipc %s%s%s\n\n%s.\n\n%s", cmd->name, cmd->synopsis[0] ? " " : "",
	       cmd->synopsis, cmd->summary, cmd->help);
}

static const struct cli_command *command_find(const char *name)
{
	for (size_t i = 0; i < COMMANDS_NR; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int unknown_command(const char *name)
{
	cli_error("%s: unknown command (try 'zeroipc --help')", name);
	return CLI_USAGE;
}

/* zeroipc --help [COMMAND] */
static int main_help(int argc, char **argv)
{
	const struct cli_command *cmd;

	if (argc == 2) {
		help_all();
		return CLI_OK;
	}
	if (argc > 3) {
		cli_error("--help: unexpected argument '%s' (try 'zeroipc --help')", argv[3]);
		return CLI_USAGE;
	}
	cmd = command_find(argv[2]);
	if (!cmd)
		return unknown_command(argv[2]);
	help_command(cmd);
	return CLI_OK;
}

static int run(int argc, char **argv)
{
	const struct cli_command *cmd;
	struct cli_args args;
	bool help;
	int r;

	if (argc < 2) {
		cli_error("missing command (try 'zeroipc --help')");
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return main_help(argc, argv);
	cmd = command_find(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	r = cli_args_parse(cmd, argc - 2, argv + 2, &args, &help);
	if (r != CLI_OK)
		return r;
	if (help) {
		help_command(cmd);
		return CLI_OK;
	}
	return cmd->run(&args);
}

int main(int argc, char **argv)
{
	int r = run(argc, argv);

	/* Output that never arrived is a failure, even after a success. */
	if (fflush(stdout) != 0 || ferror(stdout))
		return cli_error("writing the output: %s", strerror(errno));
	return r;
}
