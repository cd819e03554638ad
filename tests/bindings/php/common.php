<?php
// Shared helpers for the php-zmq scenario scripts. Each script requires this file, which
// proves that the process uses the libzmq named by ZMQ_EXPECT_LIB (our library) and no
// other libzmq (e.g. Debian's libzmq.so.5 that php-zmq's zmq.so was linked against).

declare(strict_types=1);
error_reporting(E_ALL);
set_error_handler(function ($no, $str, $file, $line) {
    throw new ErrorException($str, 0, $no, $file, $line);
});

$GLOBALS['zt_name'] = basename($_SERVER['argv'][0], '.php');

function zt_log(string $what): void
{
    fprintf(STDOUT, "[%s %d] %s\n", $GLOBALS['zt_name'], getmypid(), $what);
}

function zt_fail(string $why): void
{
    fprintf(STDERR, "[%s %d] FAIL: %s\n", $GLOBALS['zt_name'], getmypid(), $why);
    exit(1);
}

function zt_check(bool $cond, string $what): void
{
    if (!$cond) {
        zt_fail($what);
    }
    zt_log("ok: $what");
}

function zt_eq($got, $want, string $what, bool $quiet = false): void
{
    if ($got !== $want) {
        zt_fail("$what: got " . var_export($got, true) . ", want " . var_export($want, true));
    }
    if (!$quiet) {
        zt_log("ok: $what");
    }
}

// Every libzmq mapped into this process, by real path.
function zt_mapped_libzmq(): array
{
    $found = [];
    foreach (file('/proc/self/maps') as $line) {
        $parts = preg_split('/\s+/', trim($line), 6);
        if (count($parts) === 6 && preg_match('#/libzmq[^/]*\.so#', $parts[5])) {
            $found[$parts[5]] = true;
        }
    }
    return array_keys($found);
}

function zt_prove_our_library(): void
{
    $want = getenv('ZMQ_EXPECT_LIB');
    if ($want === false || $want === '') {
        zt_fail('ZMQ_EXPECT_LIB is not set (the real path of the libzmq this run must use)');
    }
    $want = realpath($want);
    $mapped = zt_mapped_libzmq();
    if ($mapped !== [$want]) {
        zt_fail('libzmq mapped in this process: ' . json_encode($mapped) . ", expected only $want");
    }
    zt_log("ok: uses $want (the only libzmq in /proc/self/maps)");
}

// A fresh, non-persistent context: persistent ones would be shared across pcntl_fork.
function zt_context(): ZMQContext
{
    return new ZMQContext(1, false);
}

function zt_socket(ZMQContext $ctx, int $type): ZMQSocket
{
    $s = $ctx->getSocket($type);
    $s->setSockOpt(ZMQ::SOCKOPT_LINGER, 1000);
    // Nothing in these scenarios may hang the test run.
    $s->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 10000);
    $s->setSockOpt(ZMQ::SOCKOPT_SNDTIMEO, 10000);
    return $s;
}

// recv that fails the test on timeout (php-zmq returns false when RCVTIMEO expires).
function zt_recv(ZMQSocket $s, string $what)
{
    $m = $s->recv();
    if ($m === false) {
        zt_fail("timed out waiting for $what");
    }
    return $m;
}

function zt_recvmulti(ZMQSocket $s, string $what): array
{
    $m = $s->recvMulti();
    if ($m === false) {
        zt_fail("timed out waiting for $what");
    }
    return $m;
}

// A private directory for ipc endpoints; removed at exit by the process that made it.
function zt_tmpdir(): string
{
    $dir = sys_get_temp_dir() . '/zt-php-' . getmypid() . '-' . bin2hex(random_bytes(4));
    mkdir($dir, 0700);
    $owner = getmypid();
    register_shutdown_function(function () use ($dir, $owner) {
        if (getmypid() === $owner) {
            foreach (glob("$dir/*") ?: [] as $f) {
                @unlink($f);
            }
            @rmdir($dir);
        }
    });
    return $dir;
}

// Bind to an ephemeral tcp port on loopback and return the endpoint actually bound.
function zt_bind_tcp(ZMQSocket $s): string
{
    $s->bind('tcp://127.0.0.1:*');
    $ep = $s->getSockOpt(ZMQ::SOCKOPT_LAST_ENDPOINT);
    if (!preg_match('#^tcp://127\.0\.0\.1:\d+$#', (string)$ep)) {
        zt_fail('ZMQ_LAST_ENDPOINT after wildcard bind: ' . var_export($ep, true));
    }
    return $ep;
}

// Forks a child that runs $fn (which must not return normally except by success) and
// exits 0, or 1 if $fn threw.
function zt_fork(callable $fn): int
{
    $pid = pcntl_fork();
    if ($pid < 0) {
        zt_fail('pcntl_fork failed');
    }
    if ($pid === 0) {
        try {
            $fn();
        } catch (Throwable $e) {
            fprintf(STDERR, "[%s %d] FAIL: %s\n", $GLOBALS['zt_name'], getmypid(), $e);
            exit(1);
        }
        exit(0);
    }
    return $pid;
}

// Waits for the children; fails if one exits non-zero or they take longer than $secs.
function zt_wait_all(array $pids, int $secs = 30): void
{
    $deadline = time() + $secs;
    $left = array_flip($pids);
    while ($left) {
        foreach (array_keys($left) as $pid) {
            $r = pcntl_waitpid($pid, $status, WNOHANG);
            if ($r === $pid) {
                unset($left[$pid]);
                if (!pcntl_wifexited($status) || pcntl_wexitstatus($status) !== 0) {
                    foreach (array_keys($left) as $p) {
                        posix_kill($p, SIGKILL);
                    }
                    zt_fail("child $pid failed (status $status)");
                }
            }
        }
        if ($left && time() > $deadline) {
            foreach (array_keys($left) as $p) {
                posix_kill($p, SIGKILL);
            }
            zt_fail('children did not finish in time: ' . implode(' ', array_keys($left)));
        }
        usleep(10000);
    }
}

zt_prove_our_library();

// A poller for several sockets. Debian's php-zmq 1.1.3 on PHP 8.x keys ZMQPoll entries by
// a broken object hash (php_spl_object_hash is given a zval where PHP 8.1+ expects a
// zend_object, so every ZMQSocket gets the key "o:0000000000000308..."): a second
// ZMQSocket added to a ZMQPoll silently replaces the first. So the first socket is added
// as an object (zmq_poll on the socket) and every other one by its ZMQ_FD stream, with
// ZMQ_EVENTS read before every wait, exactly as event loops built on ZMQ_FD do: the fd is
// an edge-style "something changed" signal, ZMQ_EVENTS is the truth.
final class ZtPoller
{
    private ZMQPoll $poll;
    private array $sockets;

    public function __construct(ZMQSocket ...$sockets)
    {
        $this->sockets = $sockets;
        $this->poll = new ZMQPoll();
        foreach ($sockets as $i => $s) {
            $this->poll->add($i === 0 ? $s : $s->getSockOpt(ZMQ::SOCKOPT_FD), ZMQ::POLL_IN);
        }
        if ($this->poll->count() !== count($sockets)) {
            zt_fail('ZMQPoll holds ' . $this->poll->count() . ' items, expected ' . count($sockets));
        }
    }

    // The sockets that can be read now, waiting up to $timeoutMs for one.
    public function readable(int $timeoutMs): array
    {
        $deadline = microtime(true) + $timeoutMs / 1000;
        while (true) {
            $ready = [];
            foreach ($this->sockets as $s) {
                if ($s->getSockOpt(ZMQ::SOCKOPT_EVENTS) & ZMQ::POLL_IN) {
                    $ready[] = $s;
                }
            }
            $left = (int)ceil(($deadline - microtime(true)) * 1000);
            if ($ready || $left <= 0) {
                return $ready;
            }
            $r = $w = [];
            $this->poll->poll($r, $w, $left);
        }
    }
}
