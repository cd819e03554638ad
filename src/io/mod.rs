//! I/O threads: one mio event loop each (`ZMQ_IO_THREADS`), owning the listeners and
//! sessions of network connections. Sockets talk to them only through their mailbox
//! (an eventfd registered with the loop): `IoCommand`s, which carry the pipes' commands
//! for sessions too.

mod command;
pub mod engine;
mod engine_slot;
pub mod listener;
pub mod proxy_handshake;
pub mod session;
pub mod thread_setup;
pub mod udp_session;

use crate::pipe::{PipeCommand, PipeId};
use crate::signal_mask::spawn_with_signals_blocked;
use crate::transport::stream::Stream;
pub use command::{IoCommand, IoMailbox};
use listener::{Listener, ListenerSpec};
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Registry, Token};
use session::Session;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;
use thread_setup::ThreadSettings;
use udp_session::{UdpSession, UdpSpec};

static NEXT_OBJECT_ID: AtomicU64 = AtomicU64::new(1);

/// A fresh id for a listener or session (how sockets address them).
pub fn next_object_id() -> u64 {
    NEXT_OBJECT_ID.fetch_add(1, Ordering::Relaxed)
}

const MAILBOX: Token = Token(0);

/// A running I/O thread.
pub struct IoThread {
    mailbox: Arc<IoMailbox>,
    handle: Option<JoinHandle<()>>,
}

impl IoThread {
    pub fn spawn(index: usize, settings: ThreadSettings) -> std::io::Result<IoThread> {
        let mailbox = Arc::new(IoMailbox::new()?);
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut SourceFd(&mailbox.fd()), MAILBOX, Interest::READABLE)?;
        let reactor_mailbox = mailbox.clone();
        let handle = spawn_with_signals_blocked(
            std::thread::Builder::new().name(settings.io_thread_name(index)),
            move || {
                settings.apply_to_current_thread();
                Reactor::new(poll, reactor_mailbox).run()
            },
        )?;
        Ok(IoThread {
            mailbox,
            handle: Some(handle),
        })
    }

    pub fn mailbox(&self) -> &Arc<IoMailbox> {
        &self.mailbox
    }

    /// Asks the thread to finish (after its sessions have lingered) and waits for it.
    pub fn stop(mut self) {
        self.mailbox.send(IoCommand::StopIo);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

enum Object {
    Listener(Box<Listener>),
    Session(Box<Session>),
    Udp(Box<UdpSession>),
}

/// The state of one I/O thread's loop.
pub struct Reactor {
    poll: Poll,
    mailbox: Arc<IoMailbox>,
    objects: Vec<Option<Object>>,
    free: Vec<usize>,
    by_id: HashMap<u64, usize>,
    pipes: HashMap<PipeId, usize>,
    timers: BTreeSet<(Instant, usize)>,
    deadlines: HashMap<usize, Instant>,
    /// Sessions that used their turn with input left: pumped again after the next poll
    /// (which then does not wait), behind whatever else became ready.
    turns: Vec<usize>,
    stopping: bool,
}

impl Reactor {
    fn new(poll: Poll, mailbox: Arc<IoMailbox>) -> Reactor {
        Reactor {
            poll,
            mailbox,
            objects: Vec::new(),
            free: Vec::new(),
            by_id: HashMap::new(),
            pipes: HashMap::new(),
            timers: BTreeSet::new(),
            deadlines: HashMap::new(),
            turns: Vec::new(),
            stopping: false,
        }
    }

    pub fn registry(&self) -> &Registry {
        self.poll.registry()
    }

    pub fn mailbox(&self) -> &Arc<IoMailbox> {
        &self.mailbox
    }

    /// The mio token of object slot `slot`.
    pub fn token(&self, slot: usize) -> Token {
        Token(slot + 1)
    }

    /// Gives the session in `slot` another turn after the other ready connections.
    pub fn another_turn(&mut self, slot: usize) {
        if !self.turns.contains(&slot) {
            self.turns.push(slot);
        }
    }

    /// Routes commands for `pipe` to the object in `slot`.
    pub fn own_pipe(&mut self, pipe: PipeId, slot: usize) {
        self.pipes.insert(pipe, slot);
    }

    fn insert(&mut self, id: u64, object: Object) -> usize {
        let slot = match self.free.pop() {
            Some(s) => {
                self.objects[s] = Some(object);
                s
            }
            None => {
                self.objects.push(Some(object));
                self.objects.len() - 1
            }
        };
        self.by_id.insert(id, slot);
        slot
    }

    pub fn add_session(&mut self, session: Session, accepted: Option<Stream>, now: Instant) {
        let slot = self.insert(session.id(), Object::Session(Box::new(session)));
        self.with_session(slot, now, |s, r, now| s.start(r, slot, accepted, now));
    }

    fn add_udp(&mut self, spec: UdpSpec) {
        let pipe = spec.pipe.id();
        let session = UdpSession::new(spec);
        let id = session.id();
        let slot = self.insert(id, Object::Udp(Box::new(session)));
        self.own_pipe(pipe, slot);
        self.with_udp(slot, |u, r, token| u.start(r, token));
    }

    /// Runs `f` on the udp endpoint in `slot`, then removes it if it finished.
    fn with_udp(&mut self, slot: usize, f: impl FnOnce(&mut UdpSession, &mut Reactor, Token)) {
        let Some(Some(Object::Udp(mut udp))) = self.objects.get_mut(slot).map(|o| o.take()) else {
            return;
        };
        let token = self.token(slot);
        f(&mut udp, self, token);
        if udp.is_done() {
            self.remove(slot, udp.id());
        } else {
            self.objects[slot] = Some(Object::Udp(udp));
        }
    }

    fn add_listener(&mut self, spec: ListenerSpec) {
        let id = spec.id;
        let slot = self.insert(id, Object::Listener(Box::new(Listener::new(spec))));
        let token = self.token(slot);
        let registered = match self.objects.get_mut(slot) {
            Some(Some(Object::Listener(l))) => l.register(self.poll.registry(), token).is_ok(),
            _ => false,
        };
        if !registered {
            self.remove(slot, id);
        }
    }

    /// Runs `f` on the session in `slot` with the reactor available, then files its
    /// next deadline and removes it if it finished.
    fn with_session(
        &mut self,
        slot: usize,
        now: Instant,
        f: impl FnOnce(&mut Session, &mut Reactor, Instant),
    ) {
        // A slot may hold a listener by now (a stale turn or timer): leave it alone.
        if !matches!(self.objects.get(slot), Some(Some(Object::Session(_)))) {
            return;
        }
        let Some(Some(Object::Session(mut session))) = self.objects.get_mut(slot).map(|o| o.take())
        else {
            return;
        };
        f(&mut session, self, now);
        self.reschedule(slot, session.next_timeout());
        if session.is_done() {
            self.remove(slot, session.id());
        } else {
            self.objects[slot] = Some(Object::Session(session));
        }
    }

    fn reschedule(&mut self, slot: usize, deadline: Option<Instant>) {
        if let Some(old) = self.deadlines.remove(&slot) {
            self.timers.remove(&(old, slot));
        }
        if let Some(d) = deadline {
            self.timers.insert((d, slot));
            self.deadlines.insert(slot, d);
        }
    }

    fn remove(&mut self, slot: usize, id: u64) {
        self.by_id.remove(&id);
        self.pipes.retain(|_, s| *s != slot);
        self.reschedule(slot, None);
        if let Some(o) = self.objects.get_mut(slot) {
            *o = None;
        }
        self.free.push(slot);
    }

    fn run(mut self) {
        let mut events = Events::with_capacity(256);
        loop {
            // Commands first: the mailbox signals its eventfd only once it has been
            // found empty (see mailbox.rs), so it must be drained before sleeping.
            let now = Instant::now();
            while let Some(command) = self.mailbox.try_recv() {
                self.process_command(command, now);
            }
            if self.stopping && self.by_id.is_empty() {
                return;
            }
            let timeout = if self.turns.is_empty() {
                self.timers
                    .first()
                    .map(|(at, _)| at.saturating_duration_since(now))
            } else {
                Some(std::time::Duration::ZERO)
            };
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() != std::io::ErrorKind::Interrupted {
                    return;
                }
            }
            let now = Instant::now();
            for event in events.iter() {
                if event.token() == MAILBOX {
                    continue;
                }
                let slot = event.token().0 - 1;
                match self.objects.get_mut(slot).and_then(|o| o.take()) {
                    Some(Object::Listener(mut l)) => {
                        l.ready(&mut self, now);
                        self.objects[slot] = Some(Object::Listener(l));
                    }
                    Some(Object::Session(s)) => {
                        self.objects[slot] = Some(Object::Session(s));
                        self.with_session(slot, now, |s, r, now| s.ready(r, slot, event, now));
                    }
                    Some(Object::Udp(u)) => {
                        self.objects[slot] = Some(Object::Udp(u));
                        self.with_udp(slot, |u, r, _| u.pump(r));
                    }
                    None => {}
                }
            }
            for slot in std::mem::take(&mut self.turns) {
                self.with_session(slot, now, |s, r, now| s.pump(r, slot, now));
            }
            while let Some(command) = self.mailbox.try_recv() {
                self.process_command(command, now);
            }
            while let Some(&(at, slot)) = self.timers.first() {
                if at > now {
                    break;
                }
                self.timers.remove(&(at, slot));
                self.deadlines.remove(&slot);
                self.with_session(slot, now, |s, r, now| s.on_timeout(r, slot, now));
            }
            if self.stopping && self.by_id.is_empty() {
                return;
            }
        }
    }

    fn process_command(&mut self, command: IoCommand, now: Instant) {
        match command {
            IoCommand::AddListener(spec) => self.add_listener(*spec),
            IoCommand::AddSession(spec) => self.add_session(Session::new(*spec), None, now),
            IoCommand::AddUdp(spec) => self.add_udp(*spec),
            IoCommand::Close {
                id,
                linger,
                end_pipe,
            } => self.close_object(id, linger, end_pipe, now),
            IoCommand::Pipe(
                command @ (PipeCommand::ActivateRead(pipe)
                | PipeCommand::ActivateWrite(pipe, _)
                | PipeCommand::PipeTerm(pipe)
                | PipeCommand::PipeHwm { pipe, .. }
                | PipeCommand::StatsRequest(pipe, _)),
            ) => {
                if let Some(&slot) = self.pipes.get(&pipe) {
                    if matches!(self.objects.get(slot), Some(Some(Object::Udp(_)))) {
                        self.with_udp(slot, |u, r, _| u.pipe_command(r, command));
                    } else {
                        self.with_session(slot, now, |s, r, now| {
                            s.pipe_command(r, slot, command, now)
                        });
                    }
                }
            }
            IoCommand::StopIo => self.stopping = true,
            // Only sockets act on Hiccup, InprocConnected and StatsReply.
            IoCommand::Pipe(_) => {}
        }
    }

    fn close_object(&mut self, id: u64, linger: i32, end_pipe: bool, now: Instant) {
        let Some(&slot) = self.by_id.get(&id) else {
            return;
        };
        match self.objects.get_mut(slot).and_then(|o| o.take()) {
            Some(Object::Listener(mut l)) => {
                l.close(self.poll.registry());
                let children = std::mem::take(&mut l.children);
                self.remove(slot, id);
                for child in children {
                    self.close_object(child, linger, end_pipe, now);
                }
            }
            Some(Object::Session(s)) => {
                self.objects[slot] = Some(Object::Session(s));
                self.with_session(slot, now, |s, r, now| {
                    s.close(r, slot, linger, end_pipe, now)
                });
            }
            Some(Object::Udp(u)) => {
                self.objects[slot] = Some(Object::Udp(u));
                self.with_udp(slot, |u, r, _| u.close(r));
            }
            None => {}
        }
    }
}
