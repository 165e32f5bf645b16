/*
 * The tree: inode numbers for what the kernel has looked up, the cache of
 * open segments, and attributes.
 *
 * A node is (segment object, name, view) and, for a structure, the offset of
 * the entry it was found at: a structure removed and recreated under the
 * same name is a new node, and the old one answers ESTALE (the kernel then
 * looks the path up again). Segments are identified by the shm object's
 * inode, so a segment unlinked and recreated is reopened. Nodes live while
 * the kernel remembers them (lookup count) or a file holds them.
 * Owner, group and mode come from the shm object (fstat): with
 * default_permissions the kernel enforces them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs_i.h"

#define BUCKETS 4096
/* Attribute and entry cache time; untyped entries are never cached (tagging changes them). */
#define CACHE_S 1.0
#define BLKSIZE 65536

pthread_mutex_t fs_tree_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fs_node *buckets[BUCKETS]; /* by inode number; fs_tree_lock */
static struct fs_node *names[BUCKETS];	 /* by name, for lookups; fs_tree_lock */
static struct fs_seg *segs;		 /* fs_tree_lock; the cache holds one ref each */
static fuse_ino_t next_ino = 2;		 /* fs_tree_lock */
static struct fs_node root = {.ino = FUSE_ROOT_ID, .type = FS_ROOT, .nlookup = 1, .refs = 1};

static struct fs_node **bucket(fuse_ino_t ino)
{
	return &buckets[ino % BUCKETS];
}

static struct fs_node **name_bucket(const char *name)
{
	uint32_t h = 0x811C9DC5u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x01000193u;
	return &names[h % BUCKETS];
}

int fs_tree_init(void)
{
	*bucket(root.ino) = &root;
	return 0;
}

static void seg_put_locked(struct fs_seg *s)
{
	struct fs_seg **pp;

	if (--s->refs > 0)
		return;
	for (pp = &segs; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (s->seg)
		zipc_segment_close(s->seg);
	free(s);
}

void fs_seg_put(struct fs_seg *s)
{
	pthread_mutex_lock(&fs_tree_lock);
	seg_put_locked(s);
	pthread_mutex_unlock(&fs_tree_lock);
}

/* Identity and format check of /dev/shm/NAME. Returns 0, -ENOENT. */
static int shm_probe(const char *name, struct stat *st)
{
	char path[sizeof("/dev/shm/") + ZIPC_SEGMENT_NAME_MAX];
	uint32_t hdr[2];
	int fd, ok;

	if (strlen(name) > ZIPC_SEGMENT_NAME_MAX || strchr(name, '/') || name[0] == '.')
		return -ENOENT;
	snprintf(path, sizeof(path), "/dev/shm/%s", name);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -ENOENT;
	ok = fstat(fd, st) == 0 && S_ISREG(st->st_mode) &&
	     pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) && hdr[0] == ZIPC_MAGIC &&
	     hdr[1] == ZIPC_FORMAT_VERSION;
	close(fd);
	return ok ? 0 : -ENOENT;
}

int fs_seg_get(const char *name, struct fs_seg **out)
{
	struct fs_seg *s, *next;
	struct stat st;
	int r;

	if (strncmp(name, fs_mnt.prefix, fs_mnt.prefix_len) != 0)
		return -ENOENT;
	r = shm_probe(name, &st);
	pthread_mutex_lock(&fs_tree_lock);
	for (s = segs; s; s = next) {
		next = s->next;
		if (strcmp(s->name, name) != 0)
			continue;
		if (r == 0 && s->dev == st.st_dev && s->ino == st.st_ino) {
			s->refs++;
			*out = s;
			pthread_mutex_unlock(&fs_tree_lock);
			return 0;
		}
		/* stale: the object was removed or replaced; drop the cache's ref */
		seg_put_locked(s);
	}
	pthread_mutex_unlock(&fs_tree_lock);
	if (r < 0)
		return r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->err = zipc_segment_open(name, &s->seg);
	if (s->err < 0) {
		fs_log("zeroipcfs: segment %s: %s%s%s", name, zipc_strerror(s->err),
		       zipc_last_error()[0] ? ": " : "", zipc_last_error());
		s->seg = NULL;
	}
	s->refs = 2; /* the cache and the caller */
	pthread_mutex_lock(&fs_tree_lock);
	s->next = segs;
	segs = s;
	pthread_mutex_unlock(&fs_tree_lock);
	*out = s;
	return 0;
}

void fs_seg_forget(const char *name)
{
	struct fs_seg *s, *next;

	pthread_mutex_lock(&fs_tree_lock);
	for (s = segs; s; s = next) {
		next = s->next;
		if (strcmp(s->name, name) == 0)
			seg_put_locked(s);
	}
	pthread_mutex_unlock(&fs_tree_lock);
}

void fs_tree_fini(void)
{
	pthread_mutex_lock(&fs_tree_lock);
	for (size_t i = 0; i < BUCKETS; i++) {
		struct fs_node *n = buckets[i], *next;

		for (; n; n = next) {
			next = n->next;
			if (n == &root)
				continue;
			if (n->h)
				n->kind->close(n->h);
			fs_sync_free(n);
			if (n->seg)
				seg_put_locked(n->seg);
			free(n);
		}
		buckets[i] = NULL;
		names[i] = NULL;
	}
	while (segs)
		seg_put_locked(segs);
	pthread_mutex_unlock(&fs_tree_lock);
}

struct fs_node *fs_node_get(fuse_ino_t ino)
{
	struct fs_node *n;

	pthread_mutex_lock(&fs_tree_lock);
	for (n = *bucket(ino); n; n = n->next)
		if (n->ino == ino) {
			n->refs++;
			break;
		}
	pthread_mutex_unlock(&fs_tree_lock);
	return n;
}

static void node_free_locked(struct fs_node *n)
{
	struct fs_node **pp;

	if (n == &root || n->nlookup > 0 || n->refs > 0)
		return;
	for (pp = bucket(n->ino); *pp; pp = &(*pp)->next)
		if (*pp == n) {
			*pp = n->next;
			break;
		}
	for (pp = name_bucket(n->name); *pp; pp = &(*pp)->next_name)
		if (*pp == n) {
			*pp = n->next_name;
			break;
		}
	if (n->h)
		n->kind->close(n->h);
	fs_sync_free(n);
	if (n->seg)
		seg_put_locked(n->seg);
	free(n);
}

void fs_node_put(struct fs_node *n)
{
	pthread_mutex_lock(&fs_tree_lock);
	n->refs--;
	node_free_locked(n);
	pthread_mutex_unlock(&fs_tree_lock);
}

void fs_tree_forget(fuse_ino_t ino, uint64_t count)
{
	struct fs_node *n;

	pthread_mutex_lock(&fs_tree_lock);
	for (n = *bucket(ino); n; n = n->next)
		if (n->ino == ino)
			break;
	if (n && n != &root) {
		n->nlookup = count > n->nlookup ? 0 : n->nlookup - count;
		node_free_locked(n);
	}
	pthread_mutex_unlock(&fs_tree_lock);
}

/*
 * Find or make the node for (seg, type, view, name, offset) and count a
 * lookup. Takes over the caller's reference on seg.
 */
static struct fs_node *node_intern(struct fs_seg *seg, enum fs_ntype type, enum fs_view view,
				   const char *name, const struct zipc_entry *entry,
				   const struct fs_kind *kind)
{
	struct fs_node *n;

	pthread_mutex_lock(&fs_tree_lock);
	for (n = *name_bucket(name); n; n = n->next_name)
		if (n->seg == seg && n->type == type && n->view == view &&
		    strcmp(n->name, name) == 0 && n->kind == kind &&
		    (!entry || n->entry.offset == entry->offset)) {
			n->nlookup++;
			if (seg)
				seg_put_locked(seg);
			pthread_mutex_unlock(&fs_tree_lock);
			return n;
		}
	n = calloc(1, sizeof(*n));
	if (!n) {
		if (seg)
			seg_put_locked(seg);
		pthread_mutex_unlock(&fs_tree_lock);
		return NULL;
	}
	n->ino = next_ino++;
	n->type = type;
	n->view = view;
	n->seg = seg;
	snprintf(n->name, sizeof(n->name), "%s", name);
	if (entry)
		n->entry = *entry;
	n->kind = kind;
	n->nlookup = 1;
	n->next = *bucket(n->ino);
	*bucket(n->ino) = n;
	n->next_name = *name_bucket(n->name);
	*name_bucket(n->name) = n;
	pthread_mutex_unlock(&fs_tree_lock);
	return n;
}

static const struct fs_kind *entry_kind(const struct zipc_entry *e)
{
	const struct fs_kind *k = e->tagged ? fs_kind_get(e->kind) : NULL;

	return k ? k : &fs_kind_untyped;
}

int fs_tree_lookup(struct fs_node *parent, const char *name, struct fuse_entry_param *e)
{
	struct fs_node *n = NULL;
	struct fs_seg *seg;
	struct zipc_entry entry;
	const struct fs_kind *kind = NULL;
	int r;

	memset(e, 0, sizeof(*e));
	switch (parent->type) {
	case FS_ROOT:
		if (strcmp(name, ".new") == 0) {
			n = node_intern(NULL, FS_ROOT_CTL, FS_VIEW_MAIN, name, NULL, NULL);
			break;
		}
		r = fs_seg_get(name, &seg);
		if (r < 0)
			return r;
		n = node_intern(seg, FS_SEG, FS_VIEW_MAIN, name, NULL, NULL);
		break;
	case FS_SEG:
	case FS_VIEWDIR:
		if (!parent->seg->seg)
			return -EIO;
		pthread_mutex_lock(&fs_tree_lock);
		parent->seg->refs++;
		pthread_mutex_unlock(&fs_tree_lock);
		seg = parent->seg;
		if (parent->type == FS_SEG && strcmp(name, ".new") == 0) {
			n = node_intern(seg, FS_SEG_CTL, FS_VIEW_MAIN, name, NULL, NULL);
			break;
		}
		if (parent->type == FS_SEG && (!strcmp(name, ".raw") || !strcmp(name, ".text"))) {
			n = node_intern(seg, FS_VIEWDIR,
					name[1] == 'r' ? FS_VIEW_RAW : FS_VIEW_TEXT, name, NULL,
					NULL);
			break;
		}
		r = zipc_name_check(name) < 0 ? -ENOENT : zipc_entry_find(seg->seg, name, &entry);
		if (r == 0) {
			kind = entry_kind(&entry);
			if (parent->view == FS_VIEW_RAW && !kind->has_raw)
				r = -ENOENT;
			if (parent->view == FS_VIEW_TEXT && !kind->has_text)
				r = -ENOENT;
		}
		if (r < 0) {
			fs_seg_put(seg);
			return r == -EBADMSG ? -EIO : r;
		}
		n = node_intern(seg, FS_STRUCT, parent->view, name, &entry, kind);
		break;
	default:
		return -ENOTDIR;
	}
	if (!n)
		return -ENOMEM;
	r = fs_node_stat(n, &e->attr);
	if (r < 0) {
		fs_tree_forget(n->ino, 1);
		return r;
	}
	e->ino = n->ino;
	e->attr_timeout = e->entry_timeout = CACHE_S;
	if (n->type == FS_STRUCT && !n->entry.tagged)
		e->attr_timeout = e->entry_timeout = 0;
	return 0;
}

/* Mode bits of a segment directory: the object's, plus x wherever r is. */
static mode_t dir_mode(mode_t m)
{
	m &= 07777;
	return m | ((m & 0444) >> 2);
}

int fs_node_stat(struct fs_node *n, struct stat *st)
{
	struct stat so;

	memset(st, 0, sizeof(*st));
	st->st_ino = n->ino;
	st->st_blksize = BLKSIZE;
	if (n->type == FS_ROOT || n->type == FS_ROOT_CTL) {
		st->st_mode = n->type == FS_ROOT ? S_IFDIR | 01777 : S_IFREG | 0666;
		st->st_nlink = n->type == FS_ROOT ? 2 : 1;
		return 0;
	}
	if (n->seg->seg) {
		if (fstat(zipc_segment_fd(n->seg->seg), &so) < 0)
			return -errno;
	} else if (shm_probe(n->seg->name, &so) < 0) {
		return -ENOENT;
	}
	st->st_uid = so.st_uid;
	st->st_gid = so.st_gid;
	st->st_atim = so.st_atim;
	st->st_mtim = so.st_mtim;
	st->st_ctim = so.st_ctim;
	switch (n->type) {
	case FS_SEG:
	case FS_VIEWDIR:
		st->st_mode = S_IFDIR | dir_mode(so.st_mode);
		st->st_nlink = 2;
		break;
	case FS_SEG_CTL:
		st->st_mode = S_IFREG | (so.st_mode & 0666);
		st->st_nlink = 1;
		break;
	default:
		st->st_mode = S_IFREG | (so.st_mode & 0666);
		st->st_nlink = 1;
		if (n->kind == &fs_kind_untyped || n->view == FS_VIEW_TEXT)
			st->st_mode &= ~(mode_t)0222;
		if (n->kind->engine == &fs_engine_array && n->view == FS_VIEW_MAIN) {
			struct zipc_array *arr;

			if (fs_node_handle(n, (void **)&arr) == 0)
				st->st_size =
				    (off_t)(zipc_array_capacity(arr) * zipc_array_type(arr).size);
		} else if (n->kind == &fs_kind_untyped) {
			st->st_size = (off_t)n->entry.size;
		}
		st->st_blocks = (st->st_size + 511) / 512;
		break;
	}
	return 0;
}

int fs_node_check(struct fs_node *n)
{
	struct zipc_entry e;
	int r;

	if (n->type != FS_STRUCT)
		return 0;
	r = zipc_entry_find(n->seg->seg, n->name, &e);
	if (r == -EBADMSG)
		return -EIO;
	if (r < 0)
		return r;
	return e.offset == n->entry.offset ? 0 : -ESTALE;
}

int fs_node_handle(struct fs_node *n, void **h)
{
	void *opened = NULL;
	int r;

	/* acquire-free: h is set once under the lock; readers take the lock too */
	pthread_mutex_lock(&fs_tree_lock);
	if (n->h) {
		*h = n->h;
		pthread_mutex_unlock(&fs_tree_lock);
		return 0;
	}
	pthread_mutex_unlock(&fs_tree_lock);
	r = fs_node_check(n);
	if (r < 0)
		return r;
	r = n->kind->open(n->seg->seg, n->name, &opened);
	if (r < 0)
		return r == -EBADMSG ? -EIO : r;
	pthread_mutex_lock(&fs_tree_lock);
	if (n->h) {
		n->kind->close(opened);
	} else {
		n->h = opened;
	}
	*h = n->h;
	pthread_mutex_unlock(&fs_tree_lock);
	return 0;
}
