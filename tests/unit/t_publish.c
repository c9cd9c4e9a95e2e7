/*
 * tests/unit/t_publish.c: locked staging directories, the sweep that
 * removes only dead ones, no-replace publication and copy errors.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "ec_publish.h"

static char	dir[] = "/tmp/t_publish.XXXXXX";

static bool
exists(const char *path)
{
	struct stat	st;

	return lstat(path, &st) == 0;
}

static int
write_file(const char *path, const char *s, size_t len)
{
	FILE	*fp;

	if ((fp = fopen(path, "w")) == NULL)
		return -1;
	if (fwrite(s, 1, len, fp) != len) {
		(void)fclose(fp);
		return -1;
	}
	return fclose(fp);
}

/*
 * A child makes a staging directory and reports its path, then waits:
 * alive, its staging must survive a sweep; killed with SIGKILL (no
 * cleanup at all), it must not.
 */
static void
test_sweep(void)
{
	struct ec_staging	*s;
	struct ec_err		 err;
	char			 path[512], lockless[512];
	int			 fds[2], status;
	pid_t			 pid;
	ssize_t			 n;

	if (pipe(fds) == -1)
		return;
	if ((pid = fork()) == 0) {
		(void)close(fds[0]);
		if (ec_publish_staging_new(&s, dir, "ec-build.", &err) == -1)
			_exit(1);
		if (write(fds[1], ec_publish_staging_path(s),
		    strlen(ec_publish_staging_path(s))) <= 0)
			_exit(1);
		(void)close(fds[1]);
		for (;;)
			pause();
	}
	(void)close(fds[1]);
	n = read(fds[0], path, sizeof(path) - 1);
	(void)close(fds[0]);
	path[n > 0 ? n : 0] = '\0';
	ok(n > 0 && exists(path), "a live builder's staging: %s", path);
	(void)snprintf(lockless, sizeof(lockless), "%s/ec-build.NOLOCK", dir);
	(void)mkdir(lockless, 0700);
	ok(ec_publish_sweep(dir, "ec-build.") == 0 && exists(path),
	    "the sweep leaves a live builder's staging");
	ok(exists(lockless), "and one with no lock yet (being created)");
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	ok(exists(path), "kill -9 leaves the staging behind");
	ok(ec_publish_sweep(dir, "ec-build.") == 1 && !exists(path),
	    "the next sweep removes the dead builder's staging");
	ok(exists(lockless), "still not the lockless one");
	(void)rmdir(lockless);
}

static void
test_move(void)
{
	struct ec_err	err;
	char		a[512], b[512], c[512];
	bool		existed;

	(void)snprintf(a, sizeof(a), "%s/a", dir);
	(void)snprintf(b, sizeof(b), "%s/b", dir);
	(void)snprintf(c, sizeof(c), "%s/out/x", dir);
	ok(ec_publish_outdir(c, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "outdir: parent missing: %s",
	    err.msg);
	(void)snprintf(c, sizeof(c), "%s/out", dir);
	ok(ec_publish_outdir(c, &err) == 0 && exists(c), "outdir made");
	if (write_file(a, "same", 4) == -1 || write_file(b, "same", 4) == -1)
		return;
	ok(ec_publish_move(&existed, a, c, "x", &err) == 0 && !existed &&
	    !exists(a), "published");
	ok(ec_publish_move(&existed, b, c, "x", &err) == 0 && existed,
	    "identical content again: success, published once");
	(void)unlink(b);
	if (write_file(b, "diff", 4) == -1)
		return;
	ok(ec_publish_move(&existed, b, c, "x", &err) == -1 &&
	    err.code == EC_ERR_CONFLICT, "other content refused: %s",
	    err.msg);
	(void)unlink(b);
}

/* A write that fails reports its own errno, not a stale one. */
static void
test_copy_errno(void)
{
	struct rlimit	 old, small = { 4096, 4096 };
	struct ec_err	 err;
	char		 big[65536], a[512], b[512];
	int		 rc;

	memset(big, 'x', sizeof(big));
	(void)snprintf(a, sizeof(a), "%s/big", dir);
	(void)snprintf(b, sizeof(b), "%s/big.copy", dir);
	if (write_file(a, big, sizeof(big)) == -1)
		return;
	(void)signal(SIGXFSZ, SIG_IGN);
	(void)getrlimit(RLIMIT_FSIZE, &old);
	small.rlim_max = old.rlim_max;
	(void)setrlimit(RLIMIT_FSIZE, &small);
	errno = EXDEV;
	rc = ec_publish_copy_file(a, b, &err);
	(void)setrlimit(RLIMIT_FSIZE, &old);
	ok(rc == -1 && err.code == EC_ERR_IO &&
	    strstr(err.msg, strerror(EFBIG)) != NULL &&
	    strstr(err.msg, "writing") != NULL,
	    "a full file system reports the failing write: %s", err.msg);
	ok(!exists(b), "and leaves no partial copy");
}

int
main(void)
{
	char	cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_sweep();
	test_move();
	test_copy_errno();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup %s", dir);
	return done_testing();
}
