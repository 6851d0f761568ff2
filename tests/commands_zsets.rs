//! Sorted sets against redis-server, byte for byte: every command's replies, its argument
//! errors and its WRONGTYPE, in both encodings (listpack and skiplist), plus random operation
//! sequences against redis-server.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use reactor::client::Connection;
use reactor::reactor::Faults;
use reactor::resp::decode::Reply;

use common::{RedisServer, assert_same_replies};

const QUIET: Duration = Duration::from_millis(150);

fn connect(addr: SocketAddr) -> Connection {
    Connection::connect(addr, Duration::from_secs(10)).expect("connect")
}

const CASES: &[&[u8]] = &[
    // ZADD: options, their conflicts, the replies of each.
    b"ZADD z 1 a 2 b 3 c\r\nZADD z 1 a\r\nZADD z CH 5 a 2 b\r\nZRANGE z 0 -1 WITHSCORES\r\nZCARD z\r\n",
    b"ZADD z NX 1 a\r\nZADD z NX 2 a 3 b\r\nZADD z XX 4 a 5 c\r\nZADD nokey XX 1 a\r\nEXISTS nokey\r\nZRANGE z 0 -1 WITHSCORES\r\n",
    b"ZADD z 5 a\r\nZADD z GT 3 a\r\nZADD z GT CH 7 a\r\nZADD z LT 9 a\r\nZADD z LT CH 1 a\r\nZADD z XX GT 2 a\r\nZSCORE z a\r\nZADD z GT 1 new\r\n",
    b"ZADD z NX XX 1 a\r\nZADD z GT LT 1 a\r\nZADD z NX GT 1 a\r\nZADD z NX LT 1 a\r\nZADD z INCR 1 a 2 b\r\nZADD z 1\r\nZADD z 1 a 2\r\nZADD z NX\r\n",
    b"ZADD z x a\r\nZADD z 1 a x b\r\nEXISTS z\r\nZADD z nan a\r\nZADD z \"\" a\r\nZADD z \" 1\" a\r\nZADD z 1e400 a\r\nZADD z 1e-400 a\r\n",
    b"ZADD z inf a -inf b +inf c 1e308 d -0 e 0 f .5 g 1e3 h\r\nZRANGE z 0 -1 WITHSCORES\r\nZSCORE z e\r\nZSCORE z a\r\n",
    b"ZADD z 1.1 a 0.1 b 1e17 c 1.5e17 d 0.00001 e 123456789.125 f\r\nZRANGE z 0 -1 WITHSCORES\r\nZMSCORE z a b c d e f x\r\n",
    b"ZADD z INCR 1 a\r\nZADD z INCR 2.5 a\r\nZADD z INCR NX 1 a\r\nZADD z INCR XX 1 b\r\nZADD z INCR GT -1 a\r\nZADD z INCR LT -1 a\r\nZSCORE z a\r\n",
    b"ZADD z inf a\r\nZADD z INCR -inf a\r\nZSCORE z a\r\nZINCRBY z -inf a\r\nZINCRBY z 1 a\r\nZCARD z\r\n",
    // Ties order by member; -0 and 0 tie.
    b"ZADD z 1 b 1 a 1 c 0 z -0 y\r\nZRANGE z 0 -1\r\nZRANK z a\r\nZREVRANK z a\r\nZRANK z y\r\nZRANK z nope\r\n",
    // ZINCRBY
    b"ZINCRBY z 5 a\r\nZINCRBY z -2.5 a\r\nZINCRBY z x a\r\nZINCRBY z 1\r\nZINCRBY z nx a\r\nZINCRBY z 1 a b\r\nZSCORE z a\r\n",
    // ZCARD ZSCORE ZMSCORE ZREM ZRANK ZREVRANK on missing keys and errors.
    b"ZCARD nokey\r\nZSCORE nokey a\r\nZMSCORE nokey a b\r\nZREM nokey a\r\nZRANK nokey a\r\nZREVRANK nokey a\r\nZCARD\r\nZSCORE z\r\nZMSCORE z\r\n",
    b"ZADD z 1 a 2 b 3 c\r\nZREM z a x\r\nZREM z b c\r\nEXISTS z\r\nZREM z a\r\nZREM z\r\n",
    // ZPOPMIN / ZPOPMAX
    b"ZADD z 1 a 2 b 3 c 4 d\r\nZPOPMIN z\r\nZPOPMAX z\r\nZPOPMIN z 0\r\nZPOPMAX z 10\r\nEXISTS z\r\nZPOPMIN z\r\nZPOPMAX nokey 3\r\n",
    b"ZADD z 1 a\r\nZPOPMIN z -1\r\nZPOPMIN z x\r\nZPOPMIN z 1 2\r\nZPOPMAX z 1.5\r\nZPOPMIN\r\nZCARD z\r\n",
    // ZCOUNT
    b"ZADD z 1 a 2 b 3 c 4 d\r\nZCOUNT z 2 3\r\nZCOUNT z (2 3\r\nZCOUNT z (2 (3\r\nZCOUNT z -inf +inf\r\nZCOUNT z 5 1\r\nZCOUNT z x 1\r\nZCOUNT z 1 (x\r\n",
    b"ZADD z 0 a 1 b\r\nZCOUNT z \"\" \"\"\r\nZCOUNT z \" 1\" 1\r\nZCOUNT z ( (\r\nZCOUNT z 1e400 inf\r\nZCOUNT nokey 1 2\r\nZCOUNT z nan 1\r\n",
    // White space alone is not a number to `strtod` (the empty string is 0).
    b"ZADD z 0 a 1 b\r\nZCOUNT z \"  \" 1\r\nZCOUNT z \"( \" 1\r\nZRANGEBYSCORE z 0 \"\t\"\r\nZREMRANGEBYSCORE z \" \" 1\r\n",
    // ZRANGE by index
    b"ZADD z 1 a 2 b 3 c 4 d 5 e\r\nZRANGE z 0 2\r\nZRANGE z -2 -1\r\nZRANGE z 1 100 WITHSCORES\r\nZRANGE z 3 1\r\nZRANGE z -100 0\r\nZRANGE z 5 10\r\nZRANGE z 0 -1 REV\r\nZRANGE z 0 1 REV WITHSCORES\r\n",
    b"ZADD z 1 a\r\nZRANGE z x 1\r\nZRANGE z 0 1 LIMIT 0 1\r\nZRANGE z 0 1 FOO\r\nZRANGE z 0 1 REV REV\r\nZRANGE z 0 1 BYSCORE BYLEX\r\nZRANGE nokey 0 -1\r\nZRANGE z 0\r\n",
    // ZRANGE BYSCORE
    b"ZADD z 1 a 2 b 3 c 4 d 5 e\r\nZRANGE z 2 4 BYSCORE\r\nZRANGE z (2 4 BYSCORE WITHSCORES\r\nZRANGE z -inf +inf BYSCORE LIMIT 1 2\r\nZRANGE z 4 2 BYSCORE REV\r\nZRANGE z +inf -inf BYSCORE REV LIMIT 0 2 WITHSCORES\r\n",
    b"ZADD z 1 a 2 b 3 c\r\nZRANGE z 1 3 BYSCORE LIMIT 5 1\r\nZRANGE z 1 3 BYSCORE LIMIT -1 1\r\nZRANGE z 1 3 BYSCORE LIMIT 1 -1\r\nZRANGE z 1 3 BYSCORE LIMIT x 1\r\nZRANGE z x 3 BYSCORE\r\nZRANGE z 1 3 BYSCORE LIMIT 1\r\n",
    // ZRANGE BYLEX
    b"ZADD z 0 a 0 b 0 c 0 d\r\nZRANGE z - + BYLEX\r\nZRANGE z [b (d BYLEX\r\nZRANGE z + - BYLEX REV\r\nZRANGE z (d [a BYLEX REV LIMIT 1 1\r\nZRANGE z - + BYLEX WITHSCORES\r\nZRANGE z a b BYLEX\r\nZRANGE z + - BYLEX\r\n",
    // The older range commands: the kind and direction fixed, their options then errors.
    b"ZADD z 1 a 2 b 3 c 4 d\r\nZREVRANGE z 0 1\r\nZREVRANGE z 0 -1 WITHSCORES\r\nZREVRANGE z 0 1 REV\r\nZREVRANGE z 0 1 BYSCORE\r\nZREVRANGE z 0 1 LIMIT 0 1\r\n",
    b"ZADD z 1 a 2 b 3 c 4 d\r\nZRANGEBYSCORE z 2 3\r\nZRANGEBYSCORE z (1 +inf WITHSCORES LIMIT 1 1\r\nZREVRANGEBYSCORE z 3 2\r\nZREVRANGEBYSCORE z +inf (1 LIMIT 0 2\r\nZRANGEBYSCORE z 1 2 REV\r\nZRANGEBYSCORE z x 2\r\nZRANGEBYSCORE z 1 2 BYLEX\r\n",
    b"ZADD z 0 a 0 b 0 c 0 d\r\nZRANGEBYLEX z - +\r\nZRANGEBYLEX z [b (d LIMIT 1 5\r\nZREVRANGEBYLEX z + [b\r\nZRANGEBYLEX z a b\r\nZRANGEBYLEX z - + WITHSCORES\r\nZLEXCOUNT z [b +\r\nZLEXCOUNT z - (a\r\nZLEXCOUNT z x y\r\nZLEXCOUNT nokey - +\r\n",
    // ZREMRANGEBY*
    b"ZADD z 1 a 2 b 3 c 4 d 5 e\r\nZREMRANGEBYRANK z 0 1\r\nZREMRANGEBYRANK z -1 -1\r\nZREMRANGEBYRANK z 5 10\r\nZRANGE z 0 -1\r\nZREMRANGEBYRANK z x 1\r\nZREMRANGEBYRANK nokey 0 1\r\nZREMRANGEBYRANK z 0 -1\r\nEXISTS z\r\n",
    b"ZADD z 1 a 2 b 3 c 4 d\r\nZREMRANGEBYSCORE z (1 2\r\nZREMRANGEBYSCORE z 10 20\r\nZREMRANGEBYSCORE z x 1\r\nZRANGE z 0 -1\r\nZREMRANGEBYSCORE z -inf +inf\r\nEXISTS z\r\nZREMRANGEBYSCORE nokey 1 2\r\n",
    b"ZADD z 0 a 0 b 0 c\r\nZREMRANGEBYLEX z [a (c\r\nZREMRANGEBYLEX z a c\r\nZRANGE z 0 -1\r\nZREMRANGEBYLEX z - +\r\nEXISTS z\r\n",
    b"SET s v\r\nZREVRANGE s 0 1\r\nZRANGEBYSCORE s 0 1\r\nZRANGEBYLEX s - +\r\nZLEXCOUNT s - +\r\nZREMRANGEBYRANK s 0 1\r\nZREMRANGEBYSCORE s 0 1\r\nZREMRANGEBYLEX s - +\r\nZREMRANGEBYSCORE s x 1\r\n",
    // BZPOPMIN / BZPOPMAX when they need not block, their timeouts and errors.
    b"ZADD z 1 a 2 b 3 c\r\nBZPOPMIN z 0\r\nBZPOPMAX nokey z 0\r\nBZPOPMIN z 1\r\nEXISTS z\r\nBZPOPMIN z 0.01\r\nBZPOPMAX z x\r\nBZPOPMIN z -1\r\nBZPOPMIN z\r\n",
    b"SET s v\r\nZADD z 1 a\r\nBZPOPMIN s z 0\r\nBZPOPMIN z s 0\r\nBZPOPMAX s 0\r\nBZPOPMIN s x\r\n",
    // ZMPOP / BZMPOP: from the first non-empty key, COUNT, each error in Redis's order.
    b"ZADD z 1 a 2 b 3 c\r\nZMPOP 1 z MIN COUNT 2\r\nZMPOP 2 nokey z max\r\nEXISTS z\r\nZMPOP 1 nokey MIN\r\nZMPOP 0 z MIN\r\nZMPOP -1 z MIN\r\nZMPOP x z MIN\r\n",
    b"ZADD z 1 a 2 b\r\nZMPOP 1 z MIN COUNT 0\r\nZMPOP 1 z FOO\r\nZMPOP 1 z MIN COUNT 1 COUNT 2\r\nZMPOP 1 z MIN COUNT\r\nZMPOP 3 z MIN\r\nZMPOP 1 z\r\nZMPOP 1 z max COUNT 10\r\nEXISTS z\r\n",
    b"SET s v\r\nZADD z 1 a\r\nZMPOP 2 s z MIN\r\nZMPOP 2 z s MAX\r\nZMPOP 1 s MIN COUNT 0\r\n",
    b"ZADD z 1 a 2 b 3 c\r\nBZMPOP 0 1 z MAX COUNT 2\r\nBZMPOP 0.01 1 nokey MIN\r\nBZMPOP x 1 z MIN\r\nBZMPOP -1 1 z MIN\r\nBZMPOP 0 0 z MIN\r\nBZMPOP 0 1 z\r\nBZMPOP 0 2 nokey z MIN\r\n",
    // ZUNION / ZINTER / ZDIFF and their STORE forms: weights, aggregates, sets as inputs.
    b"ZADD a 1 x 2 y 3 z\r\nZADD b 4 y 5 z 6 w\r\nZUNION 2 a b\r\nZUNION 2 a b WITHSCORES\r\nZINTER 2 a b WITHSCORES\r\nZDIFF 2 a b WITHSCORES\r\nZDIFF 2 b a\r\n",
    b"ZADD a 1 x 2 y 3 z\r\nZADD b 4 y 5 z 6 w\r\nZUNION 2 a b WEIGHTS 2 0.5 WITHSCORES\r\nZUNION 2 a b AGGREGATE MIN WITHSCORES\r\nZINTER 2 a b AGGREGATE max WEIGHTS 1 -1 WITHSCORES\r\n",
    b"ZADD a 1 x inf y -inf z\r\nZADD b inf x -inf y 2 z\r\nZUNION 2 a b WITHSCORES\r\nZINTER 2 a b WITHSCORES\r\nZUNION 2 a b WEIGHTS 0 1 WITHSCORES\r\nZINTER 2 a b WEIGHTS 1 0 AGGREGATE MIN WITHSCORES\r\n",
    b"ZADD a 0.1 x 0.2 y\r\nZADD b 0.7 x 0.3 y 1 q\r\nZADD c 1e16 x 3 y\r\nZUNION 3 c a b WITHSCORES\r\nZINTER 3 a b c WITHSCORES\r\nZUNION 3 a a a WITHSCORES\r\nZINTER 2 a a WEIGHTS 3 0.1 WITHSCORES\r\n",
    // Sums depend on the order inputs are added in (1 + 1e16 - 1e16 is 0, 1e16 - 1e16 + 1 is
    // 1): Redis's order is smallest input first.
    b"ZADD b 1e16 x 1 p 1 q\r\nZADD c -1e16 x 1 r\r\nZADD a 1 x\r\nZUNION 3 b c a WITHSCORES\r\nZINTER 3 b c a WITHSCORES\r\nZINTER 3 c b a WITHSCORES\r\n",
    b"SADD s x y 5\r\nZADD z 2 x 7 5\r\nZUNION 2 s z WITHSCORES\r\nZINTER 2 z s WITHSCORES\r\nZDIFF 2 s z WITHSCORES\r\nZDIFF 2 z s\r\nZINTERCARD 2 s z\r\n",
    b"ZADD a 1 x\r\nZUNION 2 a nokey WITHSCORES\r\nZINTER 2 a nokey\r\nZDIFF 2 nokey a\r\nZDIFF 1 a WITHSCORES\r\nZINTERCARD 2 a nokey\r\n",
    b"ZADD a 1 x 2 y\r\nZADD b 3 y\r\nSET d old\r\nEXPIRE d 100\r\nZUNIONSTORE d 2 a b\r\nTTL d\r\nZRANGE d 0 -1 WITHSCORES\r\nOBJECT ENCODING d\r\nZINTERSTORE d 2 a b WEIGHTS 1 2\r\nZRANGE d 0 -1 WITHSCORES\r\nZDIFFSTORE d 2 a b\r\nZRANGE d 0 -1\r\nZINTERSTORE d 2 a nokey\r\nEXISTS d\r\n",
    b"ZADD a 1 x 2 y\r\nZUNIONSTORE a 2 a a\r\nZRANGE a 0 -1 WITHSCORES\r\nZDIFFSTORE a 1 a\r\nZDIFFSTORE nokey 1 nokey2\r\nEXISTS nokey\r\n",
    b"ZADD a 1 x\r\nZUNION 0 a\r\nZUNION -1 a\r\nZUNION x a\r\nZUNION 2 a\r\nZUNIONSTORE d 0 a\r\nZINTER 0 a\r\nZDIFF 0 a\r\nZINTERCARD 0 a\r\nZDIFFSTORE d 3 a\r\n",
    b"ZADD a 1 x\r\nZUNION 1 a WEIGHTS\r\nZUNION 1 a WEIGHTS x\r\nZUNION 1 a WEIGHTS nan\r\nZUNION 1 a WEIGHTS 1 2\r\nZUNION 1 a AGGREGATE\r\nZUNION 1 a AGGREGATE avg\r\nZUNION 1 a FOO\r\nZDIFF 1 a WEIGHTS 1\r\nZDIFF 1 a AGGREGATE MIN\r\n",
    b"ZADD a 1 x\r\nZUNIONSTORE d 1 a WITHSCORES\r\nZINTERCARD 1 a WITHSCORES\r\nZINTERCARD 1 a WEIGHTS 1\r\nZUNION 1 a WITHSCORES WITHSCORES WEIGHTS 3 AGGREGATE MAX AGGREGATE SUM\r\n",
    b"ZADD a 1 x 2 y 3 z\r\nZADD b 1 x 2 y 3 z\r\nZINTERCARD 2 a b\r\nZINTERCARD 2 a b LIMIT 2\r\nZINTERCARD 2 a b LIMIT 0\r\nZINTERCARD 2 a b LIMIT -1\r\nZINTERCARD 2 a b LIMIT x\r\nZINTERCARD 2 a b LIMIT\r\nZINTERCARD 1 nokey\r\n",
    b"SET s v\r\nZADD a 1 x\r\nZUNION 2 a s\r\nZINTER 2 s a\r\nZDIFF 2 a s\r\nZUNIONSTORE d 2 a s\r\nZINTERCARD 1 s\r\nZUNION 2 a s FOO\r\nLPUSH l x\r\nZUNION 1 l\r\n",
    // ZRANGESTORE: every kind of range, REV, LIMIT; its errors; an empty range deletes.
    b"ZADD z 1 a 2 b 3 c 4 d 5 e\r\nZRANGESTORE d z 1 3\r\nZRANGE d 0 -1 WITHSCORES\r\nZRANGESTORE d z 0 1 REV\r\nZRANGE d 0 -1\r\nZRANGESTORE d z (2 +inf BYSCORE LIMIT 1 2\r\nZRANGE d 0 -1 WITHSCORES\r\nOBJECT ENCODING d\r\n",
    b"ZADD z 0 a 0 b 0 c 0 d\r\nZRANGESTORE d z [b + BYLEX\r\nZRANGE d 0 -1\r\nZRANGESTORE d z + - BYLEX REV LIMIT 0 2\r\nZRANGE d 0 -1\r\nZRANGESTORE d z 5 10\r\nEXISTS d\r\n",
    b"ZADD z 1 a\r\nSET d x\r\nEXPIRE d 100\r\nZRANGESTORE d z 0 -1\r\nTTL d\r\nZRANGESTORE d nokey 0 -1\r\nEXISTS d\r\nSET s v\r\nZRANGESTORE d s 0 -1\r\nZRANGESTORE s z 0 -1\r\nTYPE s\r\n",
    b"ZADD z 1 a\r\nZRANGESTORE d z 0 -1 WITHSCORES\r\nZRANGESTORE d z 0 -1 LIMIT 0 1\r\nZRANGESTORE d z x 1\r\nZRANGESTORE d z 0\r\nZRANGESTORE d z 0 1 BYLEX\r\nZRANGESTORE d z x 1 BYSCORE\r\nZRANGESTORE z z 0 0\r\nZRANGE z 0 -1\r\n",
    // ZRANDMEMBER where the answer is not random: all members (in order), one member, none.
    b"ZADD z 3 c 1 a 2 b\r\nZRANDMEMBER z 3\r\nZRANDMEMBER z 10 WITHSCORES\r\nZRANDMEMBER z 0\r\nZRANDMEMBER nokey\r\nZRANDMEMBER nokey 5\r\nZRANDMEMBER nokey -5 WITHSCORES\r\n",
    b"ZADD z 1.5 only\r\nZRANDMEMBER z\r\nZRANDMEMBER z -3\r\nZRANDMEMBER z -2 WITHSCORES\r\nZRANDMEMBER z 1 WITHSCORES\r\n",
    b"ZADD z 1 a\r\nZRANDMEMBER z x\r\nZRANDMEMBER z 1 FOO\r\nZRANDMEMBER z 1 WITHSCORES x\r\nZRANDMEMBER z -9223372036854775808\r\nZRANDMEMBER z 4611686018427387904 WITHSCORES\r\nZRANDMEMBER z -4611686018427387904 WITHSCORES\r\nSET s v\r\nZRANDMEMBER s\r\nZRANDMEMBER s 1\r\nZRANDMEMBER s x\r\n",
    // WRONGTYPE, after the errors that need no key.
    b"SET s v\r\nZADD s 1 a\r\nZADD s x a\r\nZINCRBY s 1 a\r\nZCARD s\r\nZSCORE s a\r\nZMSCORE s a\r\nZREM s a\r\nZRANK s a\r\n",
    b"SET s v\r\nZREVRANK s a\r\nZCOUNT s 1 2\r\nZCOUNT s x 2\r\nZPOPMIN s\r\nZPOPMAX s x\r\nZRANGE s 0 1\r\nZRANGE s x 1\r\nZRANGE s 0 1 BYSCORE\r\n",
    b"ZADD z 1 a\r\nGET z\r\nLPUSH z x\r\nSADD z x\r\nHSET z a 1\r\nTYPE z\r\nOBJECT ENCODING z\r\n",
    // Keys, expiry and the other key commands see sorted sets.
    b"ZADD z 1 a\r\nEXISTS z\r\nTYPE z\r\nRENAME z y\r\nZRANGE y 0 -1 WITHSCORES\r\nCOPY y x\r\nZCARD x\r\nDEL y x\r\nEXISTS y x\r\n",
    b"ZADD z 1 a 2 b\r\nEXPIRE z 100\r\nZADD z 3 c\r\nTTL z\r\nZREM z a b c\r\nTTL z\r\nSCAN 0 TYPE zset\r\n",
];

/// Cases whose replies are the same only while a sorted set is small: ZSCAN returns a listpack
/// whole, but walks a large set in an order of its own (tested in
/// `zscan_returns_every_member_of_a_large_set`).
const LISTPACK_ONLY: &[&[u8]] = &[
    b"ZADD z 3 c 1.5 a 2 b\r\nZSCAN z 0\r\nZSCAN z 0 COUNT 1\r\nZSCAN z 7 MATCH [ab]\r\nZSCAN z 0 MATCH x*\r\nZSCAN nokey 0\r\nZSCAN nokey 0 TYPE zset\r\n",
    b"ZADD z 1 a\r\nZSCAN z x\r\nZSCAN z -1\r\nZSCAN z 0 COUNT 0\r\nZSCAN z 0 COUNT x\r\nZSCAN z 0 TYPE zset\r\nZSCAN z 0 MATCH\r\nZSCAN z\r\nSET s v\r\nZSCAN s 0\r\n",
];

#[test]
fn sorted_sets_match_redis_byte_for_byte() {
    let redis = RedisServer::start(&[]);
    let ours = common::start(Faults::default());
    assert_same_replies(CASES, redis.addr, ours.addr(), |a, c| {
        common::exchange(a, c, QUIET)
    });
    assert_same_replies(LISTPACK_ONLY, redis.addr, ours.addr(), |a, c| {
        common::exchange(a, c, QUIET)
    });
}

/// The same cases with the small encoding's limits at 1 entry and 1 byte: every sorted set is
/// a skiplist from its second member on (or its first long one), on both servers.
#[test]
fn sorted_sets_match_redis_byte_for_byte_as_skiplists() {
    let args = [
        "--zset-max-listpack-entries",
        "1",
        "--zset-max-listpack-value",
        "1",
    ];
    let redis = RedisServer::start(&args);
    let ours = common::start(Faults::default());
    let mut conn = connect(ours.addr());
    for (name, value) in [
        ("zset-max-listpack-entries", "1"),
        ("zset-max-listpack-value", "1"),
    ] {
        let reply = conn
            .command(&[b"CONFIG", b"SET", name.as_bytes(), value.as_bytes()])
            .unwrap();
        assert_eq!(reply, Reply::Status(b"OK".to_vec()));
    }
    assert_same_replies(CASES, redis.addr, ours.addr(), |a, c| {
        common::exchange(a, c, QUIET)
    });
    // And the encodings really are what both say.
    let conversions: &[&[u8]] = &[
        b"ZADD z 1 a\r\nOBJECT ENCODING z\r\nZADD z 2 b\r\nOBJECT ENCODING z\r\nZADD y 1 long\r\nOBJECT ENCODING y\r\n",
    ];
    assert_same_replies(conversions, redis.addr, ours.addr(), |a, c| {
        common::exchange(a, c, QUIET)
    });
}

#[test]
fn conversion_to_skiplist_happens_where_redis_converts() {
    let redis = RedisServer::start(&[]);
    let ours = common::start(Faults::default());
    let mut case = Vec::new();
    for i in 0..128 {
        case.extend_from_slice(format!("ZADD z {i} m{i}\r\n").as_bytes());
    }
    case.extend_from_slice(b"OBJECT ENCODING z\r\nZADD z 1 m128\r\nOBJECT ENCODING z\r\n");
    case.extend_from_slice(b"ZADD w 1 a\r\nZADD w 2 ");
    case.extend_from_slice(&[b'x'; 65]);
    case.extend_from_slice(b"\r\nOBJECT ENCODING w\r\nZREM w ");
    case.extend_from_slice(&[b'x'; 65]);
    case.extend_from_slice(b"\r\nOBJECT ENCODING w\r\nZRANGE z 120 -1 WITHSCORES\r\n");
    assert_same_replies(&[&case], redis.addr, ours.addr(), |a, c| {
        common::exchange(a, c, QUIET)
    });
}

#[derive(Debug, Clone)]
enum Op {
    Add(Vec<&'static str>, Vec<(i8, u8)>),
    Incr(i8, u8),
    Rem(Vec<u8>),
    Pop(bool, Option<u8>),
    Range(i8, i8, bool),
    ByScore(i8, i8, bool, Option<(u8, i8)>),
    Rank(u8, bool),
    Count(i8, i8),
}

impl Op {
    fn args(&self) -> Vec<Vec<u8>> {
        let member = |m: &u8| format!("m{m}");
        let words: Vec<String> = match self {
            Op::Add(flags, pairs) => {
                let mut w = vec!["ZADD".into(), "z".into()];
                w.extend(flags.iter().map(|f| f.to_string()));
                for (s, m) in pairs {
                    w.push(format!("{}", f64::from(*s) / 2.0));
                    w.push(member(m));
                }
                w
            }
            Op::Incr(by, m) => vec!["ZINCRBY".into(), "z".into(), by.to_string(), member(m)],
            Op::Rem(ms) => {
                let mut w = vec!["ZREM".into(), "z".into()];
                w.extend(ms.iter().map(member));
                w
            }
            Op::Pop(max, count) => {
                let name = if *max { "ZPOPMAX" } else { "ZPOPMIN" };
                let mut w = vec![name.into(), "z".into()];
                w.extend(count.map(|c| c.to_string()));
                w
            }
            Op::Range(start, stop, rev) => {
                let mut w = vec![
                    "ZRANGE".into(),
                    "z".into(),
                    start.to_string(),
                    stop.to_string(),
                ];
                if *rev {
                    w.push("REV".into());
                }
                w.push("WITHSCORES".into());
                w
            }
            Op::ByScore(min, max, rev, limit) => {
                let mut w = vec![
                    "ZRANGE".into(),
                    "z".into(),
                    format!("({min}"),
                    max.to_string(),
                ];
                w.push("BYSCORE".into());
                if *rev {
                    w.push("REV".into());
                }
                if let Some((offset, count)) = limit {
                    w.extend(["LIMIT".into(), offset.to_string(), count.to_string()]);
                }
                w
            }
            Op::Rank(m, rev) => {
                let name = if *rev { "ZREVRANK" } else { "ZRANK" };
                vec![name.into(), "z".into(), member(m)]
            }
            Op::Count(min, max) => {
                vec![
                    "ZCOUNT".into(),
                    "z".into(),
                    min.to_string(),
                    format!("({max}"),
                ]
            }
        };
        words.into_iter().map(String::into_bytes).collect()
    }
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let flag = prop_oneof![Just("NX"), Just("XX"), Just("GT"), Just("LT"), Just("CH")];
    let pair = (-6i8..6, 0u8..10);
    prop_oneof![
        5 => (proptest::collection::vec(flag, 0..2), proptest::collection::vec(pair, 1..5))
            .prop_map(|(f, p)| Op::Add(f, p)),
        1 => (-3i8..3, 0u8..10).prop_map(|(b, m)| Op::Incr(b, m)),
        2 => proptest::collection::vec(0u8..10, 1..3).prop_map(Op::Rem),
        1 => (any::<bool>(), proptest::option::of(0u8..4)).prop_map(|(m, c)| Op::Pop(m, c)),
        2 => (-6i8..6, -6i8..6, any::<bool>()).prop_map(|(a, b, r)| Op::Range(a, b, r)),
        2 => (-4i8..4, -4i8..4, any::<bool>(), proptest::option::of((0u8..4, -1i8..3)))
            .prop_map(|(a, b, r, l)| Op::ByScore(a, b, r, l)),
        1 => (0u8..10, any::<bool>()).prop_map(|(m, r)| Op::Rank(m, r)),
        1 => (-4i8..4, -4i8..4).prop_map(|(a, b)| Op::Count(a, b)),
    ]
}

/// Random sequences, with small-encoding limits that make conversions happen mid-sequence.
#[test]
fn random_operations_match_redis() {
    let redis = RedisServer::start(&[]);
    let ours = common::start(Faults::default());
    let mut runner = TestRunner::new(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let entries = prop_oneof![Just("3"), Just("128")];
    runner
        .run(
            &(entries, proptest::collection::vec(op_strategy(), 1..40)),
            |(entries, ops)| {
                let (mut r, mut o) = (connect(redis.addr), connect(ours.addr()));
                for conn in [&mut r, &mut o] {
                    conn.command(&[b"FLUSHALL"]).unwrap();
                    conn.command(&[
                        b"CONFIG",
                        b"SET",
                        b"zset-max-listpack-entries",
                        entries.as_bytes(),
                    ])
                    .unwrap();
                }
                for op in &ops {
                    let args = op.args();
                    let refs: Vec<&[u8]> = args.iter().map(Vec::as_slice).collect();
                    let (got, want) = (o.command(&refs).unwrap(), r.command(&refs).unwrap());
                    prop_assert_eq!(got, want, "{:?}", op);
                }
                let all: [&[u8]; 5] = [b"ZRANGE", b"z", b"0", b"-1", b"WITHSCORES"];
                prop_assert_eq!(o.command(&all).unwrap(), r.command(&all).unwrap());
                let enc: [&[u8]; 3] = [b"OBJECT", b"ENCODING", b"z"];
                prop_assert_eq!(o.command(&enc).unwrap(), r.command(&enc).unwrap());
                Ok(())
            },
        )
        .unwrap();
}

/// Three clients block in BZPOPMIN, BZPOPMAX and BZMPOP on a key that does not exist; one ZADD
/// creates it and serves all three, first come first served, each taking its end (BZMPOP what
/// is left, up to its COUNT), before the ZADD's own reply is read. The same sequence against redis-server gives the same replies.
#[test]
fn blocked_zpops_are_served_by_the_zadd_that_creates_the_key() {
    fn blocked_clients(addr: SocketAddr) -> i64 {
        let Reply::Bulk(info) = connect(addr).command(&[b"INFO", b"clients"]).unwrap() else {
            panic!("INFO is a bulk string");
        };
        let text = String::from_utf8_lossy(&info).into_owned();
        text.lines()
            .find_map(|l| l.strip_prefix("blocked_clients:"))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(-1)
    }
    fn wait_blocked(addr: SocketAddr, n: i64) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while blocked_clients(addr) != n {
            assert!(std::time::Instant::now() < deadline, "never {n} blocked");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    fn run(addr: SocketAddr) -> Vec<Reply> {
        let (mut first, mut second, mut writer) = (connect(addr), connect(addr), connect(addr));
        first.send(&[b"BZPOPMIN", b"z", b"0"]).unwrap();
        wait_blocked(addr, 1);
        second.send(&[b"BZPOPMAX", b"other", b"z", b"0"]).unwrap();
        wait_blocked(addr, 2);
        let mut third = connect(addr);
        third
            .send(&[b"BZMPOP", b"0", b"2", b"none", b"z", b"MIN", b"COUNT", b"5"])
            .unwrap();
        wait_blocked(addr, 3);
        let added = writer
            .command(&[b"ZADD", b"z", b"1", b"x", b"2", b"y", b"3", b"q"])
            .unwrap();
        let left = writer.command(&[b"ZRANGE", b"z", b"0", b"-1"]).unwrap();
        let timed_out = writer.command(&[b"BZPOPMIN", b"none", b"0.05"]).unwrap();
        vec![
            first.read_reply().unwrap(),
            second.read_reply().unwrap(),
            third.read_reply().unwrap(),
            added,
            left,
            timed_out,
        ]
    }
    let redis = RedisServer::start(&[]);
    let ours = common::start(Faults::default());
    let theirs = run(redis.addr);
    let mine = run(ours.addr());
    assert_eq!(mine, theirs);
    let bulk = |s: &str| Reply::Bulk(s.as_bytes().to_vec());
    assert_eq!(mine[0], Reply::Array(vec![bulk("z"), bulk("x"), bulk("1")]));
    assert_eq!(mine[1], Reply::Array(vec![bulk("z"), bulk("q"), bulk("3")]));
    let pair = |m: &str, s: &str| Reply::Array(vec![bulk(m), bulk(s)]);
    assert_eq!(
        mine[2],
        Reply::Array(vec![bulk("z"), Reply::Array(vec![pair("y", "2")])])
    );
    assert_eq!(mine[4], Reply::Array(vec![]));
    assert_eq!(mine[5], Reply::NilArray);
}

/// The elements of an array reply, as byte strings.
fn strings(reply: Reply) -> Vec<Vec<u8>> {
    let Reply::Array(items) = reply else {
        panic!("expected an array, got {reply:?}");
    };
    items
        .into_iter()
        .map(|item| match item {
            Reply::Bulk(bytes) => bytes,
            other => panic!("expected a bulk string, got {other:?}"),
        })
        .collect()
}

/// ZSCAN over a large (skiplist) sorted set: a full iteration returns every member with its
/// score, and, while members are removed and added between calls, every member present for
/// the whole iteration at least once, in a bounded number of calls.
///
/// Break checked: walking the dense table upwards (cursor = position + 1 counting up) misses
/// members moved down into holes by the removals, and the second iteration fails.
#[test]
fn zscan_returns_every_member_of_a_large_set() {
    let server = common::start(Faults::default());
    let mut conn = connect(server.addr());
    let mut add: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"z".to_vec()];
    for i in 0..1000 {
        add.push(format!("{}.5", i).into_bytes());
        add.push(format!("m{i}").into_bytes());
    }
    let refs: Vec<&[u8]> = add.iter().map(Vec::as_slice).collect();
    assert_eq!(conn.command(&refs).unwrap(), Reply::Integer(1000));
    let encoding = conn.command(&[b"OBJECT", b"ENCODING", b"z"]).unwrap();
    assert_eq!(encoding, Reply::Bulk(b"skiplist".to_vec()));

    for churn in [false, true] {
        let mut seen = std::collections::HashMap::new();
        let mut cursor = b"0".to_vec();
        for call in 0.. {
            assert!(call < 1000, "the iteration does not end");
            let reply = conn
                .command(&[b"ZSCAN", b"z", &cursor, b"COUNT", b"10"])
                .unwrap();
            let Reply::Array(mut parts) = reply else {
                panic!("ZSCAN replies an array");
            };
            let page = strings(parts.pop().unwrap());
            let Some(Reply::Bulk(next)) = parts.pop() else {
                panic!("ZSCAN's first element is the cursor");
            };
            for pair in page.chunks(2) {
                seen.insert(pair[0].clone(), pair[1].clone());
            }
            if churn {
                // Remove the lowest-numbered member not yet removed, add a new one.
                let (gone, new) = (format!("m{call}"), format!("new{call}"));
                conn.command(&[b"ZREM", b"z", gone.as_bytes()]).unwrap();
                conn.command(&[b"ZADD", b"z", b"1", new.as_bytes()])
                    .unwrap();
            }
            cursor = next;
            if cursor == b"0" {
                break;
            }
        }
        // Without churn every member; with it, at most one member goes per call (about a
        // hundred calls), so m200 and above were there throughout.
        let kept = if churn { 200..1000 } else { 0..1000 };
        for i in kept {
            let member = format!("m{i}").into_bytes();
            assert_eq!(
                seen.get(&member),
                Some(&format!("{i}.5").into_bytes()),
                "m{i}"
            );
        }
        if !churn {
            assert_eq!(seen.len(), 1000);
        }
    }
}

/// ZRANDMEMBER on a large sorted set: distinct members for a positive count, repeats allowed
/// for a negative one, every member about equally likely, scores that belong to the members.
///
/// Break checked: drawing `rng.below(size - 1)` (never the last position) leaves one member
/// at zero draws and fails the spread check.
#[test]
fn zrandmember_draws_uniformly_from_a_large_set() {
    let server = common::start(Faults::default());
    let mut conn = connect(server.addr());
    conn.command(&[b"CONFIG", b"SET", b"zset-max-listpack-entries", b"1"])
        .unwrap();
    for i in 0..10 {
        let (score, member) = (i.to_string(), format!("m{i}"));
        conn.command(&[b"ZADD", b"z", score.as_bytes(), member.as_bytes()])
            .unwrap();
    }
    let distinct = strings(conn.command(&[b"ZRANDMEMBER", b"z", b"7"]).unwrap());
    let unique: std::collections::HashSet<_> = distinct.iter().collect();
    assert_eq!((distinct.len(), unique.len()), (7, 7));

    let draws = strings(
        conn.command(&[b"ZRANDMEMBER", b"z", b"-20000", b"WITHSCORES"])
            .unwrap(),
    );
    assert_eq!(draws.len(), 40000);
    let mut counts = std::collections::HashMap::new();
    for pair in draws.chunks(2) {
        let member = String::from_utf8_lossy(&pair[0]).into_owned();
        assert_eq!(format!("m{}", String::from_utf8_lossy(&pair[1])), member);
        *counts.entry(member).or_insert(0) += 1;
    }
    assert_eq!(counts.len(), 10, "{counts:?}");
    for (member, n) in &counts {
        assert!(
            (1500..2500).contains(n),
            "{member} drawn {n} times of 20000"
        );
    }
}
