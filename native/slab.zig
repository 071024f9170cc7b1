//! NeuroCache slab: a fixed-capacity, mmap-backed arena carved into size classes.
//!
//! Layout
//! - The arena is `page_count` pages of 1 MiB, mapped once at init and never grown.
//! - Each size class takes whole "spans" of 1..8 contiguous pages from a bump cursor and
//!   cuts them into equal slots. A span is as many pages as keeps the span's tail waste
//!   under 1/8, so a 576 KiB class does not strand half of every page.
//! - Slot metadata (state, free-list link, requested length) lives outside the arena, so
//!   a stale write through a bad handle can never corrupt the free lists.
//!
//! Concurrency
//! - Every class has a lock-free Treiber stack of free slots. The head packs a 32-bit tag
//!   beside the slot reference and every successful CAS bumps the tag, which defeats ABA.
//! - Slot state is `generation << 1 | allocated`; free is a CAS on it, so a double free
//!   or a free racing another free is detected, never applied twice.
//!
//! Handles (what crosses the C ABI) are u64 values that use only the low 53 bits, so a
//! JavaScript number carries them exactly: gen:16 | class:7 | page:16 | slot:14.
//!
//! Giving spans back (against calcification: pages taken by one class and never usable by
//! another). An owner that alone allocates and frees (the memory tier) may empty a span of
//! one class and return its pages: `drainSpan` takes the span's free slots off its class's
//! free list, so the owner's allocations of that class land elsewhere while it moves or
//! drops the span's objects, and frees into a draining span are not recycled; once no slot
//! of it is live, `releaseSpan` puts its pages in a pool that `growClass` carves from
//! when the bump cursor is spent. These three are not safe against concurrent alloc/free:
//! a free that read "not draining" could push a slot onto the list after the drain.
const std = @import("std");

pub const page_size: usize = 1 << 20;
pub const min_object: usize = 64;
pub const max_object: usize = 1 << 20;
const steps_per_doubling = 8;
/// 14 doublings from 64 B to 512 KiB, 8 steps each, plus the 1 MiB class.
pub const class_count: usize = 14 * steps_per_doubling + 1;
pub const max_pages: usize = 1 << 16;
const max_span_pages: usize = 8;
const slot_bits = 14;
const page_bits = 16;
const class_bits = 7;
const gen_bits = 16;
const max_slots_per_span: usize = 1 << slot_bits;

comptime {
    std.debug.assert(class_count <= (1 << class_bits));
    std.debug.assert(page_size / min_object <= max_slots_per_span);
    std.debug.assert(slot_bits + page_bits + class_bits + gen_bits == 53);
}

/// Error codes returned (negated) across the C ABI. Keep in sync with native/errors.ts.
pub const ErrorCode = enum(i32) {
    slab_full = 1,
    object_too_large = 2,
    invalid_argument = 3,
    stale_handle = 4,
    double_free = 5,
    out_of_bounds = 6,
};

pub const SizeClass = struct {
    size: u32,
    span_pages: u32,
    slots_per_span: u32,
};

/// Per-page flags (page_flags): the page is in the pool of released pages; the span
/// beginning at this page is being drained.
const page_pooled: u8 = 1;
const page_draining: u8 = 2;

pub const classes: [class_count]SizeClass = blk: {
    @setEvalBranchQuota(100_000);
    var table: [class_count]SizeClass = undefined;
    var i: usize = 0;
    var base: usize = min_object;
    while (base < max_object) : (base *= 2) {
        var k: usize = 0;
        while (k < steps_per_doubling) : (k += 1) {
            table[i] = makeClass(base + k * (base / steps_per_doubling));
            i += 1;
        }
    }
    table[i] = makeClass(max_object);
    break :blk table;
};

fn makeClass(size: usize) SizeClass {
    var pages: usize = 1;
    while (pages < max_span_pages) : (pages += 1) {
        const span = pages * page_size;
        if ((span % size) * 8 <= span) break;
    }
    const slots = (pages * page_size) / size;
    return .{ .size = size, .span_pages = pages, .slots_per_span = slots };
}

/// The smallest class that holds `size` bytes, or null when `size` exceeds the largest.
pub fn classFor(size: usize) ?usize {
    if (size > max_object) return null;
    // Binary search: the table is sorted by size.
    var lo: usize = 0;
    var hi: usize = class_count - 1;
    while (lo < hi) {
        const mid = (lo + hi) / 2;
        if (classes[mid].size >= size) hi = mid else lo = mid + 1;
    }
    return lo;
}

const SlotMeta = extern struct {
    /// generation << 1 | allocated
    state: u32,
    /// While free: the free-list link (slot reference + 1, 0 ends the list).
    /// While allocated: the bytes requested at alloc. A slot never needs both at once,
    /// and 8 bytes per slot instead of 12 is 4 MB less for a million objects.
    /// A pop that races an alloc may read a length here as a link; its CAS then fails.
    next_or_len: u32,
};

/// Pages that begin no span (inside a multi-page span, or not carved yet).
const page_unowned: u8 = 0xFF;

const ClassState = struct {
    /// tag << 32 | (slot reference + 1)
    head: std.atomic.Atomic(u64) align(64) = std.atomic.Atomic(u64).init(0),
    used: std.atomic.Atomic(u64) = std.atomic.Atomic(u64).init(0),
    total: std.atomic.Atomic(u64) = std.atomic.Atomic(u64).init(0),
};

pub const Slab = struct {
    arena: []align(std.mem.page_size) u8,
    meta_raw: []align(std.mem.page_size) u8,
    meta: [*]SlotMeta,
    page_class: [*]u8,
    page_class_raw: []align(std.mem.page_size) u8,
    /// Live slots of the span beginning at each page (0 elsewhere).
    span_live: [*]u32,
    span_live_raw: []align(std.mem.page_size) u8,
    page_flags: [*]u8,
    page_flags_raw: []align(std.mem.page_size) u8,
    /// Pages in the pool (released, not carved again yet).
    pooled_pages: u32 = 0,
    page_count: u32,
    next_page: std.atomic.Atomic(u32) = std.atomic.Atomic(u32).init(0),
    bytes_requested: std.atomic.Atomic(u64) = std.atomic.Atomic(u64).init(0),
    class_state: [class_count]ClassState = [_]ClassState{.{}} ** class_count,

    pub const Error = error{ SlabFull, ObjectTooLarge, InvalidArgument, StaleHandle, DoubleFree, OutOfBounds };

    pub fn init(capacity: usize) !*Slab {
        const pages = capacity / page_size;
        if (pages == 0 or pages > max_pages) return error.InvalidArgument;
        const prot = std.os.PROT.READ | std.os.PROT.WRITE;
        const flags = std.os.MAP.PRIVATE | std.os.MAP.ANONYMOUS | std.os.MAP.NORESERVE;
        const arena = try std.os.mmap(null, pages * page_size, prot, flags, -1, 0);
        errdefer std.os.munmap(arena);
        // Transparent huge pages where the kernel gives them on request (THP "madvise" mode):
        // with 4 KiB pages a read of a random object in a tier of tens of MB misses the TLB,
        // which cost about a third of a cached get. Spans are carved from a bump cursor, so
        // at most one huge page is touched but not filled. Best effort: refused, it is a hint.
        std.os.madvise(arena.ptr, arena.len, std.os.MADV.HUGEPAGE) catch {};
        // One metadata window per page, sized for the densest class; untouched windows
        // cost address space only.
        const meta_raw = try std.os.mmap(null, pages * max_slots_per_span * @sizeOf(SlotMeta), prot, flags, -1, 0);
        errdefer std.os.munmap(meta_raw);
        const page_class_raw = try std.os.mmap(null, pages, prot, flags, -1, 0);
        errdefer std.os.munmap(page_class_raw);
        @memset(page_class_raw, page_unowned);
        const span_live_raw = try std.os.mmap(null, pages * @sizeOf(u32), prot, flags, -1, 0);
        errdefer std.os.munmap(span_live_raw);
        const page_flags_raw = try std.os.mmap(null, pages, prot, flags, -1, 0);
        errdefer std.os.munmap(page_flags_raw);
        const self = try std.heap.page_allocator.create(Slab);
        self.* = .{
            .arena = arena,
            .meta_raw = meta_raw,
            .meta = @ptrCast(meta_raw.ptr),
            .page_class = page_class_raw.ptr,
            .page_class_raw = page_class_raw,
            .span_live = @ptrCast(span_live_raw.ptr),
            .span_live_raw = span_live_raw,
            .page_flags = page_flags_raw.ptr,
            .page_flags_raw = page_flags_raw,
            .page_count = @intCast(pages),
        };
        return self;
    }

    pub fn deinit(self: *Slab) void {
        std.os.munmap(self.arena);
        std.os.munmap(self.meta_raw);
        std.os.munmap(self.page_class_raw);
        std.os.munmap(self.span_live_raw);
        std.os.munmap(self.page_flags_raw);
        std.heap.page_allocator.destroy(self);
    }

    inline fn slotRef(page: u32, slot: u32) u32 {
        return (page << slot_bits) | slot;
    }

    inline fn metaFor(self: *Slab, ref: u32) *SlotMeta {
        return &self.meta[ref];
    }

    /// Takes pages from the bump cursor, else the first run of `n` pooled pages; null when
    /// neither has room.
    fn claimPages(self: *Slab, n: u32) ?u32 {
        var cur = self.next_page.load(.Monotonic);
        while (true) {
            if (cur + n > self.page_count) return self.claimPooled(n);
            if (self.next_page.tryCompareAndSwap(cur, cur + n, .AcqRel, .Monotonic)) |seen| {
                cur = seen;
            } else return cur;
        }
    }

    /// First fit over the pool (owner-only, like releaseSpan: see the file's header).
    fn claimPooled(self: *Slab, n: u32) ?u32 {
        if (self.pooled_pages < n) return null;
        var run: u32 = 0;
        var page: u32 = 0;
        while (page < self.page_count) : (page += 1) {
            if (self.page_flags[page] & page_pooled == 0) {
                run = 0;
                continue;
            }
            run += 1;
            if (run == n) {
                const first = page + 1 - n;
                for (first..first + n) |p| self.page_flags[p] &= ~page_pooled;
                self.pooled_pages -= n;
                return first;
            }
        }
        return null;
    }

    /// Carves a fresh span for `class`: keeps slot 0 for the caller and publishes the rest
    /// onto the class free list with a single CAS.
    fn growClass(self: *Slab, class: usize) ?u32 {
        const c = classes[class];
        const first_page = self.claimPages(c.span_pages) orelse return null;
        self.page_class[first_page] = @intCast(class);
        self.span_live[first_page] = 0;
        const state = &self.class_state[class];
        _ = state.total.fetchAdd(c.slots_per_span, .Monotonic);
        if (c.slots_per_span > 1) {
            var s: u32 = 1;
            while (s + 1 < c.slots_per_span) : (s += 1) {
                self.metaFor(slotRef(first_page, s)).next_or_len = slotRef(first_page, s + 1) + 1;
            }
            const last = self.metaFor(slotRef(first_page, c.slots_per_span - 1));
            var head = state.head.load(.Acquire);
            while (true) {
                @atomicStore(u32, &last.next_or_len, @truncate(head), .Monotonic);
                const new = ((head >> 32) +% 1) << 32 | (slotRef(first_page, 1) + 1);
                if (state.head.tryCompareAndSwap(head, new, .AcqRel, .Acquire)) |seen| {
                    head = seen;
                } else break;
            }
        }
        return slotRef(first_page, 0);
    }

    fn popFree(self: *Slab, class: usize) ?u32 {
        const state = &self.class_state[class];
        var head = state.head.load(.Acquire);
        while (true) {
            const ref_plus_one: u32 = @truncate(head);
            if (ref_plus_one == 0) return null;
            // `next` may be rewritten by a thread that popped and pushed this slot since we
            // read `head`; the tag makes our CAS fail in that case, so a torn read is harmless.
            const next = @atomicLoad(u32, &self.metaFor(ref_plus_one - 1).next_or_len, .Monotonic);
            const new = ((head >> 32) +% 1) << 32 | next;
            if (state.head.tryCompareAndSwap(head, new, .AcqRel, .Acquire)) |seen| {
                head = seen;
            } else return ref_plus_one - 1;
        }
    }

    fn pushFree(self: *Slab, class: usize, ref: u32) void {
        const state = &self.class_state[class];
        const m = self.metaFor(ref);
        var head = state.head.load(.Acquire);
        while (true) {
            @atomicStore(u32, &m.next_or_len, @truncate(head), .Monotonic);
            const new = ((head >> 32) +% 1) << 32 | (ref + 1);
            if (state.head.tryCompareAndSwap(head, new, .AcqRel, .Acquire)) |seen| {
                head = seen;
            } else return;
        }
    }

    pub fn alloc(self: *Slab, size: usize) Error!u64 {
        const class = classFor(size) orelse return error.ObjectTooLarge;
        const ref = self.popFree(class) orelse self.growClass(class) orelse return error.SlabFull;
        const m = self.metaFor(ref);
        // The slot is ours alone now: nobody else can reach it until it is freed.
        const state = @atomicLoad(u32, &m.state, .Acquire);
        @atomicStore(u32, &m.next_or_len, @intCast(size), .Monotonic);
        @atomicStore(u32, &m.state, state | 1, .Release);
        _ = self.class_state[class].used.fetchAdd(1, .Monotonic);
        _ = @atomicRmw(u32, &self.span_live[ref >> slot_bits], .Add, 1, .Monotonic);
        _ = self.bytes_requested.fetchAdd(size, .Monotonic);
        const gen: u64 = (state >> 1) & ((1 << gen_bits) - 1);
        return gen << (class_bits + page_bits + slot_bits) | @as(u64, class) << (page_bits + slot_bits) | ref;
    }

    const Decoded = struct { class: usize, ref: u32, gen: u32, meta: *SlotMeta };

    /// Checks that a handle names a slot this slab carved; does not check liveness.
    fn decode(self: *Slab, handle: u64) Error!Decoded {
        if (handle >> 53 != 0) return error.StaleHandle;
        const ref: u32 = @intCast(handle & ((1 << (page_bits + slot_bits)) - 1));
        const class: usize = @intCast((handle >> (page_bits + slot_bits)) & ((1 << class_bits) - 1));
        const gen: u32 = @intCast(handle >> (class_bits + page_bits + slot_bits));
        const page = ref >> slot_bits;
        const slot = ref & ((1 << slot_bits) - 1);
        if (class >= class_count or page >= self.page_count) return error.StaleHandle;
        if (self.page_class[page] != class or slot >= classes[class].slots_per_span) return error.StaleHandle;
        return .{ .class = class, .ref = ref, .gen = gen, .meta = self.metaFor(ref) };
    }

    inline fn stateGen(state: u32) u32 {
        return (state >> 1) & ((1 << gen_bits) - 1);
    }

    fn live(self: *Slab, handle: u64) Error!Decoded {
        const d = try self.decode(handle);
        const state = @atomicLoad(u32, &d.meta.state, .Acquire);
        if (state & 1 == 0 or stateGen(state) != d.gen) return error.StaleHandle;
        return d;
    }

    pub fn free(self: *Slab, handle: u64) Error!void {
        const d = try self.decode(handle);
        var state = @atomicLoad(u32, &d.meta.state, .Acquire);
        while (true) {
            if (state & 1 == 0) {
                // Freed and not handed out again: the generation moved on by exactly one.
                if (stateGen(state) == ((d.gen + 1) & ((1 << gen_bits) - 1))) return error.DoubleFree;
                return error.StaleHandle;
            }
            if (stateGen(state) != d.gen) return error.StaleHandle;
            const len = @atomicLoad(u32, &d.meta.next_or_len, .Monotonic);
            // Generation is 31 bits in the state word; wrapping is fine, handles carry 16.
            const next_state = ((state >> 1) +% 1) << 1;
            if (@cmpxchgWeak(u32, &d.meta.state, state, next_state, .AcqRel, .Acquire)) |seen| {
                state = seen;
                continue;
            }
            _ = self.class_state[d.class].used.fetchSub(1, .Monotonic);
            _ = self.bytes_requested.fetchSub(len, .Monotonic);
            const page = d.ref >> slot_bits;
            _ = @atomicRmw(u32, &self.span_live[page], .Sub, 1, .Monotonic);
            // A draining span's slots stay off the free list: its pages are leaving the class.
            if (@atomicLoad(u8, &self.page_flags[page], .Acquire) & page_draining == 0)
                self.pushFree(d.class, d.ref);
            return;
        }
    }

    pub fn offsetOf(self: *Slab, d: Decoded) usize {
        _ = self;
        const page: usize = d.ref >> slot_bits;
        const slot: usize = d.ref & ((1 << slot_bits) - 1);
        return page * page_size + slot * classes[d.class].size;
    }

    /// Arena offset and requested length of a live object.
    pub fn locate(self: *Slab, handle: u64) Error!struct { offset: usize, len: u32 } {
        const d = try self.live(handle);
        return .{ .offset = self.offsetOf(d), .len = @atomicLoad(u32, &d.meta.next_or_len, .Monotonic) };
    }

    pub fn write(self: *Slab, handle: u64, offset: usize, src: []const u8) Error!void {
        const loc = try self.locate(handle);
        if (offset > loc.len or src.len > loc.len - offset) return error.OutOfBounds;
        @memcpy(self.arena[loc.offset + offset ..][0..src.len], src);
    }

    pub fn read(self: *Slab, handle: u64) Error![]u8 {
        const loc = try self.locate(handle);
        return self.arena[loc.offset..][0..loc.len];
    }

    /// The class of the span beginning at `page`, or null when no span begins there.
    fn spanClass(self: *Slab, page: u32) ?usize {
        if (page >= self.page_count) return null;
        const class = self.page_class[page];
        return if (class == page_unowned) null else class;
    }

    /// Live slots of the span beginning at `page`.
    pub fn spanLive(self: *Slab, page: u32) Error!u32 {
        _ = self.spanClass(page) orelse return error.InvalidArgument;
        return @atomicLoad(u32, &self.span_live[page], .Monotonic);
    }

    /// The span to give back so that `class` can grow: among spans of other classes, not
    /// draining and at least as many pages as a span of `class`, the one with the fewest
    /// live slots (the lowest page on a tie). Null when there is none.
    pub fn reclaimCandidate(self: *Slab, class: usize) ?u32 {
        if (class >= class_count) return null;
        const needed = classes[class].span_pages;
        var best: ?u32 = null;
        var best_live: u32 = std.math.maxInt(u32);
        var page: u32 = 0;
        while (page < self.page_count) : (page += 1) {
            const owner = self.spanClass(page) orelse continue;
            if (owner == class or classes[owner].span_pages < needed) continue;
            if (self.page_flags[page] & page_draining != 0) continue;
            const live_slots = self.span_live[page];
            if (live_slots < best_live) {
                best = page;
                best_live = live_slots;
            }
        }
        return best;
    }

    /// Takes the free slots of the span beginning at `page` off its class's free list, and
    /// keeps its slots freed from now on off it too. Owner-only (see the file's header).
    pub fn drainSpan(self: *Slab, page: u32) Error!void {
        const class = self.spanClass(page) orelse return error.InvalidArgument;
        if (self.page_flags[page] & page_draining != 0) return error.InvalidArgument;
        @atomicStore(u8, &self.page_flags[page], self.page_flags[page] | page_draining, .Release);
        // Take the whole list, keep the other spans' slots in their order, put them back.
        const state = &self.class_state[class];
        var head = state.head.load(.Acquire);
        while (true) {
            const taken = ((head >> 32) +% 1) << 32;
            if (state.head.tryCompareAndSwap(head, taken, .AcqRel, .Acquire)) |seen| {
                head = seen;
            } else break;
        }
        var kept_first: u32 = 0; // ref + 1, 0 = none
        var kept_last: u32 = 0;
        var cursor: u32 = @truncate(head);
        while (cursor != 0) {
            const ref = cursor - 1;
            const next = self.metaFor(ref).next_or_len;
            if (ref >> slot_bits != page) {
                if (kept_last == 0) kept_first = cursor else self.metaFor(kept_last - 1).next_or_len = cursor;
                kept_last = cursor;
            }
            cursor = next;
        }
        if (kept_first == 0) return;
        var current = state.head.load(.Acquire);
        while (true) {
            @atomicStore(u32, &self.metaFor(kept_last - 1).next_or_len, @truncate(current), .Monotonic);
            const new = ((current >> 32) +% 1) << 32 | kept_first;
            if (state.head.tryCompareAndSwap(current, new, .AcqRel, .Acquire)) |seen| {
                current = seen;
            } else return;
        }
    }

    /// Gives a drained span with no live slot back: its pages join the pool, for any class
    /// to carve. Its old handles stay dead (their page begins no span of their class).
    pub fn releaseSpan(self: *Slab, page: u32) Error!void {
        const class = self.spanClass(page) orelse return error.InvalidArgument;
        if (self.page_flags[page] & page_draining == 0) return error.InvalidArgument;
        if (@atomicLoad(u32, &self.span_live[page], .Acquire) != 0) return error.InvalidArgument;
        const c = classes[class];
        self.page_class[page] = page_unowned;
        for (page..page + c.span_pages) |p| self.page_flags[p] = page_pooled;
        self.pooled_pages += c.span_pages;
        _ = self.class_state[class].total.fetchSub(c.slots_per_span, .Monotonic);
    }

    pub fn bytesInUse(self: *Slab) u64 {
        var total: u64 = 0;
        for (&self.class_state, 0..) |*s, i| total += s.used.load(.Monotonic) * classes[i].size;
        return total;
    }
};

// ---------------------------------------------------------------------------------------
// C ABI. No Zig types cross it: handles are u64, errors are negative i32/i64 codes, the
// slab is an opaque pointer.

fn code(err: Slab.Error) i32 {
    const c: ErrorCode = switch (err) {
        error.SlabFull => .slab_full,
        error.ObjectTooLarge => .object_too_large,
        error.InvalidArgument => .invalid_argument,
        error.StaleHandle => .stale_handle,
        error.DoubleFree => .double_free,
        error.OutOfBounds => .out_of_bounds,
    };
    return -@intFromEnum(c);
}

/// Maps an arena of `capacity` bytes (rounded down to whole MiB). Null on a bad capacity
/// or when the kernel refuses the mapping.
export fn nc_slab_init(capacity: u64) ?*Slab {
    return Slab.init(@intCast(capacity)) catch null;
}

export fn nc_slab_deinit(slab: ?*Slab) void {
    if (slab) |s| s.deinit();
}

/// A handle (>= 0) or a negative error code.
export fn nc_slab_alloc(slab: ?*Slab, size: u64) i64 {
    const s = slab orelse return code(error.InvalidArgument);
    const h = s.alloc(@intCast(@min(size, max_object + 1))) catch |e| return code(e);
    return @intCast(h);
}

export fn nc_slab_free(slab: ?*Slab, handle: u64) i32 {
    const s = slab orelse return code(error.InvalidArgument);
    s.free(handle) catch |e| return code(e);
    return 0;
}

/// Copies `len` bytes from `src` into the object at `offset`. Bounded by the size given to alloc.
export fn nc_slab_write(slab: ?*Slab, handle: u64, offset: u64, src: ?[*]const u8, len: u64) i32 {
    const s = slab orelse return code(error.InvalidArgument);
    if (len > 0 and src == null) return code(error.InvalidArgument);
    if (len > max_object or offset > max_object) return code(error.OutOfBounds);
    const bytes: []const u8 = if (len == 0) &[_]u8{} else src.?[0..@intCast(len)];
    s.write(handle, @intCast(offset), bytes) catch |e| return code(e);
    return 0;
}

/// Pointer to a live object's first byte, or null for a bad handle. Valid until freed.
export fn nc_slab_ptr(slab: ?*Slab, handle: u64) ?[*]u8 {
    const s = slab orelse return null;
    const bytes = s.read(handle) catch return null;
    return bytes.ptr;
}

/// Length of a live object, or a negative error code.
export fn nc_slab_len(slab: ?*Slab, handle: u64) i64 {
    const s = slab orelse return code(error.InvalidArgument);
    const loc = s.locate(handle) catch |e| return code(e);
    return loc.len;
}

/// Byte offset of a live object from the arena base, or a negative error code.
export fn nc_slab_offset(slab: ?*Slab, handle: u64) i64 {
    const s = slab orelse return code(error.InvalidArgument);
    const loc = s.locate(handle) catch |e| return code(e);
    return @intCast(loc.offset);
}

/// Live slots of the span beginning at `page`, or a negative error code.
export fn nc_slab_span_live(slab: ?*Slab, page: u32) i64 {
    const s = slab orelse return code(error.InvalidArgument);
    return s.spanLive(page) catch |e| return code(e);
}

/// The first page of the span to give back for `class` to grow, or -1 when none fits.
export fn nc_slab_reclaim_candidate(slab: ?*Slab, class: u32) i64 {
    const s = slab orelse return code(error.InvalidArgument);
    return s.reclaimCandidate(class) orelse -1;
}

export fn nc_slab_drain_span(slab: ?*Slab, page: u32) i32 {
    const s = slab orelse return code(error.InvalidArgument);
    s.drainSpan(page) catch |e| return code(e);
    return 0;
}

export fn nc_slab_release_span(slab: ?*Slab, page: u32) i32 {
    const s = slab orelse return code(error.InvalidArgument);
    s.releaseSpan(page) catch |e| return code(e);
    return 0;
}

export fn nc_slab_arena(slab: ?*Slab) ?[*]u8 {
    const s = slab orelse return null;
    return s.arena.ptr;
}

/// Fills out[0..6]: capacity, bytes in use (slot bytes), bytes requested, pages used,
/// pages total, class count. Returns the number of values written.
export fn nc_slab_stats(slab: ?*Slab, out: ?[*]u64, n: u32) i32 {
    const s = slab orelse return code(error.InvalidArgument);
    const o = out orelse return code(error.InvalidArgument);
    const values = [_]u64{
        s.arena.len,
        s.bytesInUse(),
        s.bytes_requested.load(.Monotonic),
        @min(s.next_page.load(.Monotonic), s.page_count) - s.pooled_pages,
        s.page_count,
        class_count,
    };
    const count = @min(n, values.len);
    for (0..count) |i| o[i] = values[i];
    return @intCast(count);
}

/// Fills out[0..3] for one class: slot size, slots used, slots free (carved, not used).
export fn nc_slab_class_stats(slab: ?*Slab, class: u32, out: ?[*]u64) i32 {
    const s = slab orelse return code(error.InvalidArgument);
    const o = out orelse return code(error.InvalidArgument);
    if (class >= class_count) return code(error.InvalidArgument);
    const st = &s.class_state[class];
    const used = st.used.load(.Monotonic);
    o[0] = classes[class].size;
    o[1] = used;
    o[2] = st.total.load(.Monotonic) -| used;
    return 3;
}

export fn nc_slab_class_count() u32 {
    return class_count;
}

export fn nc_slab_class_size(class: u32) u32 {
    if (class >= class_count) return 0;
    return classes[class].size;
}

// ---------------------------------------------------------------------------------------
// Tests

const testing = std.testing;

test "size classes run from 64 B to 1 MiB with at most 12.5% internal waste" {
    try testing.expectEqual(@as(u32, 64), classes[0].size);
    try testing.expectEqual(@as(u32, 1 << 20), classes[class_count - 1].size);
    var prev: u32 = 0;
    for (classes) |c| {
        try testing.expect(c.size > prev);
        // The worst fit for a class is one byte more than the class below it.
        const worst_used = prev + 1;
        if (prev >= min_object) try testing.expect((c.size - worst_used) * 8 < c.size);
        try testing.expect(c.slots_per_span >= 1 and c.slots_per_span <= max_slots_per_span);
        const span = c.span_pages * page_size;
        try testing.expect((span - c.slots_per_span * c.size) * 8 <= span);
        prev = c.size;
    }
}

test "classFor picks the smallest class that fits and refuses oversize" {
    try testing.expectEqual(@as(?usize, 0), classFor(0));
    try testing.expectEqual(@as(?usize, 0), classFor(64));
    try testing.expectEqual(@as(?usize, 1), classFor(65));
    try testing.expectEqual(@as(?usize, class_count - 1), classFor(max_object));
    try testing.expectEqual(@as(?usize, null), classFor(max_object + 1));
    for (0..4096) |size| {
        const c = classFor(size).?;
        try testing.expect(classes[c].size >= size);
        if (c > 0) try testing.expect(classes[c - 1].size < size);
    }
}

test "alloc, write, read, free round trip" {
    const s = try Slab.init(4 * page_size);
    defer s.deinit();
    const h = try s.alloc(1000);
    try s.write(h, 0, "hello");
    try s.write(h, 995, "world");
    const bytes = try s.read(h);
    try testing.expectEqual(@as(usize, 1000), bytes.len);
    try testing.expectEqualStrings("hello", bytes[0..5]);
    try testing.expectEqualStrings("world", bytes[995..]);
    try testing.expectError(error.OutOfBounds, s.write(h, 996, "world"));
    try s.free(h);
    try testing.expectEqual(@as(u64, 0), s.bytesInUse());
}

test "stale and double-freed handles are refused" {
    const s = try Slab.init(2 * page_size);
    defer s.deinit();
    const h = try s.alloc(100);
    try s.free(h);
    try testing.expectError(error.DoubleFree, s.free(h));
    try testing.expectError(error.StaleHandle, s.read(h));
    try testing.expectError(error.StaleHandle, s.write(h, 0, "x"));
    // The slot is reused with a new generation: the old handle stays dead.
    const h2 = try s.alloc(100);
    try testing.expect(h2 != h);
    try testing.expectEqual(h & ((1 << 30) - 1), h2 & ((1 << 30) - 1));
    try testing.expectError(error.StaleHandle, s.free(h));
    try testing.expectError(error.StaleHandle, s.read(h));
    // Handles naming slots that were never carved, or garbage, are refused too.
    try testing.expectError(error.StaleHandle, s.read(h2 + 1));
    try testing.expectError(error.StaleHandle, s.read(1 << 60));
    try testing.expectError(error.StaleHandle, s.free(@as(u64, 5) << 30));
    try s.free(h2);
}

test "oversize objects and a full arena get distinct errors" {
    const s = try Slab.init(2 * page_size);
    defer s.deinit();
    try testing.expectError(error.ObjectTooLarge, s.alloc(max_object + 1));
    const a = try s.alloc(max_object);
    const b = try s.alloc(max_object);
    try testing.expectError(error.SlabFull, s.alloc(max_object));
    try s.free(a);
    const c = try s.alloc(max_object);
    try s.free(b);
    try s.free(c);
    try testing.expectError(error.InvalidArgument, Slab.init(page_size - 1));
}

test "C ABI maps errors to negative codes" {
    const s = nc_slab_init(2 * page_size).?;
    defer nc_slab_deinit(s);
    try testing.expectEqual(@as(i64, -2), nc_slab_alloc(s, max_object + 1));
    const h = nc_slab_alloc(s, 10);
    try testing.expect(h >= 0);
    try testing.expectEqual(@as(i32, 0), nc_slab_write(s, @intCast(h), 0, "0123456789", 10));
    try testing.expectEqual(@as(i32, -6), nc_slab_write(s, @intCast(h), 5, "0123456789", 10));
    try testing.expectEqual(@as(i64, 10), nc_slab_len(s, @intCast(h)));
    try testing.expectEqual(@as(i32, 0), nc_slab_free(s, @intCast(h)));
    try testing.expectEqual(@as(i32, -5), nc_slab_free(s, @intCast(h)));
    try testing.expectEqual(@as(i64, -4), nc_slab_len(s, @intCast(h)));
    try testing.expect(nc_slab_ptr(s, @intCast(h)) == null);
    try testing.expectEqual(@as(i64, -3), nc_slab_alloc(null, 1));
    try testing.expect(nc_slab_init(0) == null);
    var stats: [6]u64 = undefined;
    try testing.expectEqual(@as(i32, 6), nc_slab_stats(s, &stats, 6));
    try testing.expectEqual(@as(u64, 2 * page_size), stats[0]);
}

test "a drained, emptied span goes back to the pool and another class carves it" {
    const s = try Slab.init(2 * page_size);
    defer s.deinit();
    // Two 64 KiB objects take one page (with room for 14 more); two 512 KiB ones, the other.
    const small_class = classFor(64 << 10).?;
    const a = try s.alloc(64 << 10);
    const b = try s.alloc(64 << 10);
    const c = try s.alloc(512 << 10);
    const d = try s.alloc(512 << 10);
    try s.free(d);
    try testing.expectError(error.SlabFull, s.alloc(1 << 20));
    const page: u32 = @intCast((a >> slot_bits) & ((1 << page_bits) - 1));
    // The fewest live slots: c's span holds one, a's two.
    const c_page: u32 = @intCast((c >> slot_bits) & ((1 << page_bits) - 1));
    try testing.expectEqual(@as(?u32, c_page), s.reclaimCandidate(classFor(1 << 20).?));
    try testing.expectEqual(@as(u32, 2), try s.spanLive(page));
    try testing.expectEqual(@as(?u32, null), s.reclaimCandidate(class_count));
    try testing.expectError(error.InvalidArgument, s.spanLive(page + 5));
    // Busy spans are refused; draining twice is refused.
    try testing.expectError(error.InvalidArgument, s.releaseSpan(page));
    try s.drainSpan(page);
    try testing.expectError(error.InvalidArgument, s.drainSpan(page));
    try testing.expectError(error.InvalidArgument, s.releaseSpan(page));
    // A draining span is no candidate.
    try testing.expectEqual(@as(?u32, c_page), s.reclaimCandidate(classFor(1 << 20).?));
    try s.free(a);
    // Freed into a draining span: not handed out again to its class.
    try testing.expectError(error.SlabFull, s.alloc(64 << 10));
    try s.free(b);
    try s.releaseSpan(page);
    try testing.expectEqual(@as(u64, 0), s.class_state[small_class].total.load(.Monotonic));
    try testing.expectError(error.StaleHandle, s.read(a));
    try testing.expectError(error.StaleHandle, s.free(b));
    const big = try s.alloc(1 << 20);
    try testing.expectEqual(@as(u64, page), (big >> slot_bits) & ((1 << page_bits) - 1));
    try testing.expectEqual(@as(u32, 0), s.pooled_pages);
    try testing.expectError(error.SlabFull, s.alloc(64 << 10));
    try s.free(big);
    try s.free(c);
}

test "draining keeps the other spans' free slots in order" {
    const s = try Slab.init(3 * page_size);
    defer s.deinit();
    const size = 256 << 10; // 4 a page
    var handles: [8]u64 = undefined;
    for (&handles) |*h| h.* = try s.alloc(size);
    for (handles) |h| try s.free(h);
    const first_page: u32 = @intCast((handles[0] >> slot_bits) & ((1 << page_bits) - 1));
    try s.drainSpan(first_page);
    // Only the second span's four slots remain, in the order they were freed (LIFO).
    for (0..4) |i| {
        const h = try s.alloc(size);
        try testing.expectEqual(handles[7 - i] & ((1 << 30) - 1), h & ((1 << 30) - 1));
    }
    try s.releaseSpan(first_page);
    try testing.expectEqual(@as(u32, 1), s.pooled_pages);
}

const Hammer = struct {
    slab: *Slab,
    /// One flag per slot reference: set while some thread owns the slot.
    owned: []std.atomic.Atomic(u8),
    thread_id: u8,
    failures: *std.atomic.Atomic(u32),
    iterations: usize,

    fn run(self: *Hammer) void {
        var rng = std.rand.DefaultPrng.init(self.thread_id);
        var held: [64]u64 = undefined;
        var held_len: usize = 0;
        var i: usize = 0;
        while (i < self.iterations) : (i += 1) {
            const should_alloc = held_len < held.len and (held_len == 0 or rng.random().boolean());
            if (should_alloc) {
                const size = rng.random().intRangeAtMost(usize, 1, 4096);
                const h = self.slab.alloc(size) catch continue;
                const ref = h & ((1 << 30) - 1);
                if (self.owned[ref].swap(1, .AcqRel) != 0) _ = self.failures.fetchAdd(1, .Monotonic);
                const bytes = self.slab.read(h) catch unreachable;
                @memset(bytes, self.thread_id);
                held[held_len] = h;
                held_len += 1;
            } else {
                const pick = rng.random().uintLessThan(usize, held_len);
                const h = held[pick];
                held[pick] = held[held_len - 1];
                held_len -= 1;
                // Another thread writing into our slot would show up as foreign bytes.
                const bytes = self.slab.read(h) catch unreachable;
                for (bytes) |b| if (b != self.thread_id) {
                    _ = self.failures.fetchAdd(1, .Monotonic);
                    break;
                };
                self.owned[h & ((1 << 30) - 1)].store(0, .Release);
                self.slab.free(h) catch {
                    _ = self.failures.fetchAdd(1, .Monotonic);
                };
            }
        }
        for (held[0..held_len]) |h| {
            self.owned[h & ((1 << 30) - 1)].store(0, .Release);
            self.slab.free(h) catch {
                    _ = self.failures.fetchAdd(1, .Monotonic);
                };
        }
    }
};

test "threads hammering alloc and free never share a slot" {
    const pages = 16;
    const s = try Slab.init(pages * page_size);
    defer s.deinit();
    const owned = try testing.allocator.alloc(std.atomic.Atomic(u8), pages << slot_bits);
    defer testing.allocator.free(owned);
    for (owned) |*o| o.* = std.atomic.Atomic(u8).init(0);
    var failures = std.atomic.Atomic(u32).init(0);
    const thread_count = 8;
    var hammers: [thread_count]Hammer = undefined;
    var threads: [thread_count]std.Thread = undefined;
    for (0..thread_count) |t| {
        hammers[t] = .{ .slab = s, .owned = owned, .thread_id = @intCast(t + 1), .failures = &failures, .iterations = 200_000 };
        threads[t] = try std.Thread.spawn(.{}, Hammer.run, .{&hammers[t]});
    }
    for (threads) |t| t.join();
    try testing.expectEqual(@as(u32, 0), failures.load(.Monotonic));
    try testing.expectEqual(@as(u64, 0), s.bytesInUse());
    try testing.expectEqual(@as(u64, 0), s.bytes_requested.load(.Monotonic));
}
