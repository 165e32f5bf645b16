/*
 * Fault-injection points, compiled in only for the dead-peer tests
 * (-DZIPC_FAULT_INJECTION, the zeroipc_faulty test library). A test sets
 * zipc__fault_hook; the library calls it at each named point, where the test
 * can stop or kill the process in the middle of an operation.
 */
#ifndef ZEROIPC_FAULT_I_H
#define ZEROIPC_FAULT_I_H

enum zipc__fault_point {
	ZIPC__FP_QUEUE_PUSH_CLAIMED, /* producer claimed a position, slot not written */
	ZIPC__FP_QUEUE_POP_CLAIMED,  /* consumer claimed a position, slot not released */
	ZIPC__FP_STACK_PUSH_CLAIMED, /* pusher moved top, slot not ready */
	ZIPC__FP_STACK_POP_CLAIMED,  /* popper moved top, slot not emptied */
	ZIPC__FP_REGISTRY_CLAIMED,   /* creator claimed a table entry, entry not complete */
	ZIPC__FP_STREAM_EMIT_CLAIMED, /* stream writer claimed numbers, no slot held yet */
	ZIPC__FP_STREAM_EMIT_WRITING, /* stream writer holds a slot in state writing */
	ZIPC__FP_CHANNEL_SEND_PARKED, /* unbuffered sender's value is in the ring, not taken */
};

#ifdef ZIPC_FAULT_INJECTION
extern void (*zipc__fault_hook)(enum zipc__fault_point point);
#define ZIPC__FAULT(point)                                                                         \
	do {                                                                                       \
		if (zipc__fault_hook)                                                              \
			zipc__fault_hook(point);                                                   \
	} while (0)
#else
#define ZIPC__FAULT(point) ((void)0)
#endif

#endif
