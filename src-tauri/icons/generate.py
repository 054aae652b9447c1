# Regenerates the placeholder icon set: python3 icons/generate.py icons
import struct, zlib, sys, os
def png(path, n):
    bg=(0x1e,0x22,0x2b,255); fg=(0xe8,0xea,0xed,255)
    # "E" as three bars + spine, proportional to size
    def inE(x,y):
        l,r,t,b = 0.30*n,0.70*n,0.22*n,0.78*n
        w = 0.11*n
        if not (l<=x<r and t<=y<b): return False
        if x < l+w: return True
        if y < t+w or y >= b-w: return True
        mid=(t+b)/2
        if abs(y+0.5-mid) < w/2 and x < r-0.06*n: return True
        return False
    raw=bytearray()
    for y in range(n):
        raw.append(0)
        for x in range(n):
            raw.extend(fg if inE(x,y) else bg)
    def chunk(t,d): return struct.pack('>I',len(d))+t+d+struct.pack('>I',zlib.crc32(t+d)&0xffffffff)
    data=b'\x89PNG\r\n\x1a\n'+chunk(b'IHDR',struct.pack('>IIBBBBB',n,n,8,6,0,0,0))+chunk(b'IDAT',zlib.compress(bytes(raw),9))+chunk(b'IEND',b'')
    open(path,'wb').write(data)
d=sys.argv[1]
png(os.path.join(d,'icon.png'),512); png(os.path.join(d,'32x32.png'),32); png(os.path.join(d,'128x128.png'),128)
