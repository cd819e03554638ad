<?php
// Divide and conquer (the guide's taskvent/taskwork2/tasksink2): a ventilator PUSHes
// tasks to forked workers over tcp, the workers PUSH results to a sink, and the sink
// tells the workers to stop over a PUB/SUB control channel on ipc.
require __DIR__ . '/common.php';

const WORKERS = 3;
const TASKS = 100;

$dir = zt_tmpdir();
$ctx = zt_context();
$vent = zt_socket($ctx, ZMQ::SOCKET_PUSH);
$ventEp = zt_bind_tcp($vent);
$sink = zt_socket($ctx, ZMQ::SOCKET_PULL);
$sinkEp = zt_bind_tcp($sink);
$control = zt_socket($ctx, ZMQ::SOCKET_PUB);
$controlEp = "ipc://$dir/control.ipc";
$control->bind($controlEp);

$pids = [];
for ($w = 0; $w < WORKERS; $w++) {
    $pids[] = zt_fork(function () use ($ventEp, $sinkEp, $controlEp) {
        $ctx = zt_context();
        $receiver = zt_socket($ctx, ZMQ::SOCKET_PULL);
        $receiver->connect($ventEp);
        $sender = zt_socket($ctx, ZMQ::SOCKET_PUSH);
        $sender->connect($sinkEp);
        $controller = zt_socket($ctx, ZMQ::SOCKET_SUB);
        $controller->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, '');
        $controller->connect($controlEp);
        $sender->send('ready ' . getmypid());
        $poller = new ZtPoller($receiver, $controller);
        $done = 0;
        while (true) {
            $readable = $poller->readable(20000);
            if (!$readable) {
                zt_fail('worker idle for 20 s');
            }
            foreach ($readable as $s) {
                if ($s === $controller) {
                    zt_eq(zt_recv($controller, 'control'), 'KILL', 'control message');
                    zt_log("worker did $done tasks, stopping on KILL");
                    return;
                }
                $task = zt_recv($receiver, 'task');
                [$id, $ms] = explode(' ', $task);
                usleep((int)$ms * 1000);
                $sender->send("$id " . getmypid());
                $done++;
            }
        }
    });
}

// Every worker is connected to the sink once its "ready" arrives.
$ready = [];
while (count($ready) < WORKERS) {
    [$word, $pid] = explode(' ', zt_recv($sink, 'worker ready'));
    zt_eq($word, 'ready', 'first message from a worker is ready', true);
    $ready[$pid] = 0;
}
zt_log('ok: ' . WORKERS . ' workers are up');

$start = microtime(true);
$expected = 0;
for ($i = 0; $i < TASKS; $i++) {
    $ms = ($i * 7) % 5 + 1;
    $expected += $ms;
    $vent->send("$i $ms");
}
zt_log('ventilator sent ' . TASKS . " tasks, $expected ms of work");

$seen = [];
for ($i = 0; $i < TASKS; $i++) {
    [$id, $pid] = explode(' ', zt_recv($sink, 'result'));
    if (isset($seen[$id])) {
        zt_fail("task $id came back twice");
    }
    if (!isset($ready[$pid])) {
        zt_fail("result from unknown worker $pid");
    }
    $seen[$id] = true;
    $ready[$pid]++;
}
ksort($seen);
zt_eq(array_keys($seen), range(0, TASKS - 1), 'sink got every task exactly once');
zt_log(sprintf('elapsed %d ms; tasks per worker: %s', (microtime(true) - $start) * 1000,
    json_encode($ready)));
$control->send('KILL');
zt_wait_all($pids);
zt_log('ok: every worker stopped on KILL');
zt_log('PASS');
