/*
 * Command-line splitting: options and positionals, in any order.
 *
 * Not getopt: values such as "-5" must reach push and set as positionals.
 * Here an option is "--word" or "-" plus a letter, so "-5" and "-0.5" are
 * values; "--" ends the options for values that start with "-" and a letter
 * ("-inf"). Options take their value as "-t 5", "-t5", "--timeout 5" or
 * "--timeout=5". Positionals are compacted to the front of argv, in order.
 */
#include <ctype.h>
#include <string.h>

#include "cli.h"

static const struct {
	char short_name;
	const char *long_name;
	bool has_value;
} options[CLI_OPT_NR] = {
	[CLI_OPT_SIZE] = {'s', "size", true},
	[CLI_OPT_ENTRIES] = {'e', "entries", true},
	[CLI_OPT_MODE] = {'m', "mode", true},
	[CLI_OPT_TIMEOUT] = {'t', "timeout", true},
	[CLI_OPT_COUNT] = {'n', "count", true},
	[CLI_OPT_FORCE] = {'f', "force", false},
};

static bool is_option(const char *arg)
{
	return arg[0] == '-' && (isalpha((unsigned char)arg[1]) || (arg[1] == '-' && arg[2]));
}

/* Which option arg names (name is arg without its dashes, up to name_len). */
static int option_lookup(const struct cli_command *cmd, const char *name, size_t name_len,
			 bool is_long)
{
	for (int i = 0; i < CLI_OPT_NR; i++) {
		if (!(cmd->options & CLI_OPT_BIT(i)))
			continue;
		if (is_long ? strlen(options[i].long_name) == name_len &&
				  strncmp(options[i].long_name, name, name_len) == 0
			    : name_len == 1 && options[i].short_name == name[0])
			return i;
	}
	return -1;
}

/* Parse the option at argv[*i], advancing *i past its value if separate. */
static int option_parse(const struct cli_command *cmd, int argc, char **argv, int *i,
			struct cli_args *args)
{
	const char *arg = argv[*i];
	bool is_long = arg[1] == '-';
	const char *name = arg + (is_long ? 2 : 1);
	const char *eq = is_long ? strchr(name, '=') : NULL;
	size_t name_len = is_long ? (eq ? (size_t)(eq - name) : strlen(name)) : 1;
	const char *value = is_long ? (eq ? eq + 1 : NULL) : (name[1] ? name + 1 : NULL);
	int opt = option_lookup(cmd, name, name_len, is_long);

	if (opt < 0)
		return cli_usage(cmd->name, "unknown option '%.*s%.*s'", is_long ? 2 : 1, arg,
				 (int)name_len, name);
	if (args->opt[opt])
		return cli_usage(cmd->name, "option '%.*s%.*s' given twice", is_long ? 2 : 1, arg,
				 (int)name_len, name);
	if (!options[opt].has_value) {
		if (value)
			return cli_usage(cmd->name, "option '%s' takes no value", arg);
		args->opt[opt] = "";
		return CLI_OK;
	}
	if (!value) {
		if (*i + 1 >= argc)
			return cli_usage(cmd->name, "option '%s' needs a value", arg);
		value = argv[++*i];
	}
	args->opt[opt] = value;
	return CLI_OK;
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_args_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_args *args,
		   bool *help)
{
	bool options_done = false;
	size_t npos = 0;
	int r;

	memset(args, 0, sizeof(*args));
	args->cmd = cmd->name;
	*help = false;
	for (int i = 0; i < argc; i++) {
		if (!options_done && is_help(argv[i])) {
			*help = true;
			return CLI_OK;
		}
		if (!options_done && strcmp(argv[i], "--") == 0) {
			options_done = true;
		} else if (!options_done && is_option(argv[i])) {
			r = option_parse(cmd, argc, argv, &i, args);
			if (r != CLI_OK)
				return r;
		} else {
			/* npos <= i: the slot was already read */
			argv[npos++] = argv[i];
		}
	}
	if (npos < cmd->min_pos)
		return cli_usage(cmd->name, "missing arguments; usage: zeroipc %s %s", cmd->name,
				 cmd->synopsis);
	if (npos > cmd->max_pos)
		return cli_usage(cmd->name, "unexpected argument '%.64s'", argv[cmd->max_pos]);
	args->pos = argv;
	args->npos = npos;
	return CLI_OK;
}
