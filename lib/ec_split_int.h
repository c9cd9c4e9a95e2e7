/*
 * ec_split_int.h: what ec_split.c (writing) and ec_split_join.c (reading)
 * share.  Not an interface for other modules.
 */
#ifndef EC_SPLIT_INT_H
#define EC_SPLIT_INT_H

/* Part file names: NAME.part0001 (four digits, EC_SPLIT_MAX_PARTS). */
#define SPLIT_PART_FMT		"%s.part%04u"
/* Longest file name split; leaves room for the suffixes in NAME_MAX. */
#define SPLIT_MAX_NAME		200
/* Bytes copied at a time. */
#define SPLIT_CHUNK		65536
#define SPLIT_SCHEMA		1

#endif
