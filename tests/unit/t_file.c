/*
 * tests/unit/t_file.c: ec_file_open_regular() and _stat() against real
 * FIFOs, links and directories, and the escaping every error message goes
 * through.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "ec_err.h"
#include "ec_file.h"

static char	dir[] = "/tmp/t_file.XXXXXX";

static const char *
at(const char *name)
{
	static char	path[256];

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static bool
write_file(const char *path, const char *s)
{
	int	fd;
	bool	good;

	if ((fd = open(path, O_WRONLY | O_TRUNC)) == -1)
		return false;
	good = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	return close(fd) == 0 && good;
}

static void
test_open(void)
{
	struct ec_err	err;
	struct stat	st;
	int		fd = -1, fl;

	ok(mkdtemp(dir) != NULL, "scratch directory");
	close(open(at("f.json"), O_CREAT | O_WRONLY, 0644));
	ok(mkfifo(at("p.json"), 0644) == 0, "a FIFO");
	ok(symlink("f.json", at("l.json")) == 0, "a link to the file");

	ok(ec_file_open_regular(&fd, at("f.json"), false, &err) == 0,
	    "a regular file opens");
	fl = fcntl(fd, F_GETFL);
	ok(fl != -1 && (fl & O_NONBLOCK) == 0, "and is blocking again");
	close(fd);
	/* Without O_NONBLOCK this call never returns: no writer. */
	ok(ec_file_open_regular(&fd, at("p.json"), true, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID && strstr(err.msg, "FIFO"),
	    "a FIFO is refused at once: %s", err.msg);
	ok(ec_file_open_regular(&fd, dir, true, &err) == -1 &&
	    strstr(err.msg, "directory") != NULL,
	    "a directory is refused: %s", err.msg);
	ok(ec_file_open_regular(&fd, at("l.json"), true, &err) == 0,
	    "a link is followed when asked");
	close(fd);
	ok(ec_file_open_regular(&fd, at("l.json"), false, &err) == -1 &&
	    strstr(err.msg, "link") != NULL,
	    "and refused otherwise: %s", err.msg);
	ok(ec_file_open_regular(&fd, at("missing"), true, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "a missing file: %s",
	    err.msg);

	/* The variant for key files and bundles: codes and a path prefix. */
	ok(write_file(at("f.json"), "12345") &&
	    ec_file_open_regular_stat(&fd, &st, at("l.json"), &err) == 0 &&
	    S_ISREG(st.st_mode) && st.st_size == 5,
	    "_stat: a link followed, the file's own status");
	close(fd);
	ok(ec_file_open_regular_stat(&fd, &st, at("p.json"), &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "p.json: not a regular file (a FIFO)") != NULL,
	    "_stat: a FIFO is refused at once: %s", err.msg);
	ok(ec_file_open_regular_stat(&fd, &st, at("missing"), &err) == -1 &&
	    err.code == EC_ERR_IO && strstr(err.msg, "missing: ") != NULL,
	    "_stat: a missing file is EC_ERR_IO: %s", err.msg);
	unlink(at("f.json"));
	unlink(at("p.json"));
	unlink(at("l.json"));
	rmdir(dir);
}

static void
escape_is(const char *in, size_t len, const char *want, const char *what)
{
	char	out[64];

	(void)ec_str_escape(out, sizeof(out), in, len);
	ok(strcmp(out, want) == 0, "%s: got \"%s\"", what, out);
}

static void
test_escape(void)
{
	struct ec_err	err;
	char		small[8];

	escape_is("plain.json", 10, "plain.json", "plain text is kept");
	escape_is("a\nb\tc\rd", 7, "a\\nb\\tc\\rd", "newline, tab, return");
	escape_is("\x1b[31mred", 8, "\\x1b[31mred", "a terminal escape");
	escape_is("caf\xc3\xa9", 5, "caf\xc3\xa9", "valid UTF-8 is kept");
	escape_is("\xff\xfe", 2, "\\xff\\xfe", "bytes that are not UTF-8");
	escape_is("\xc2\x9b", 2, "\\xc2\\x9b", "a C1 control (CSI)");
	escape_is("\xed\xa0\x80", 3, "\\xed\\xa0\\x80", "a surrogate");
	escape_is("\xc0\xaf", 2, "\\xc0\\xaf", "an overlong form");
	escape_is("a\\x1b", 5, "a\\x1b", "escaping twice changes nothing");
	escape_is("a\0b", 3, "a\\x00b", "a NUL");
	(void)ec_str_escape(small, sizeof(small), "\n\n\n\n", 4);
	ok(strcmp(small, "\\n\\n\\n") == 0, "cut at an escape boundary: %s",
	    small);
	(void)ec_err_set(&err, EC_ERR_REQUEST_INVALID, "%s: bad",
	    "x.json\nexportctl: forged");
	ok(strchr(err.msg, '\n') == NULL && strstr(err.msg, "\\n") != NULL,
	    "ec_err_set escapes: %s", err.msg);
	(void)ec_err_prefix(&err, "%s", "p\x1b");
	ok(strncmp(err.msg, "p\\x1b: x.json\\n", 15) == 0,
	    "ec_err_prefix escapes its prefix: %s", err.msg);
}

int
main(void)
{
	test_open();
	test_escape();
	return done_testing();
}
