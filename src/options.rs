// TEMPORARY stand-in until the options branch lands; not committed.
use crate::error::{Error, Result};
pub struct Options { pub socket_type: i32, pub sndhwm: i32, pub rcvhwm: i32, pub linger: i32, pub rcvtimeo: i32, pub sndtimeo: i32,
 pub routing_id: Vec<u8>, pub connect_routing_id: Option<Vec<u8>>, pub conflate: bool, pub invert_matching: bool, pub last_endpoint: String }
impl Options {
  pub fn new(t: i32) -> Self { Options{socket_type:t,sndhwm:1000,rcvhwm:1000,linger:-1,rcvtimeo:-1,sndtimeo:-1,routing_id:vec![],connect_routing_id:None,conflate:false,invert_matching:false,last_endpoint:String::new()} }
  pub fn set(&mut self, o: i32, v: &[u8]) -> Result<()> { let i = int_value(v); match o { 23 => self.sndhwm = i?, 24 => self.rcvhwm=i?, 27=>self.rcvtimeo=i?, 28=>self.sndtimeo=i?, 17=>self.linger=i?, 5=>self.routing_id=v.to_vec(), 61=>self.connect_routing_id=Some(v.to_vec()), 54=>self.conflate=i?!=0, 74=>self.invert_matching=i?!=0, _=>return Err(Error::Inval)} Ok(()) }
  pub fn get(&self, o: i32, out: &mut [u8]) -> Result<usize> { match o { 23=>put_int(out,self.sndhwm), 24=>put_int(out,self.rcvhwm), 16=>put_int(out,self.socket_type), 17=>put_int(out,self.linger), _=>Err(Error::Inval)} }
}
pub fn int_value(v: &[u8]) -> Result<i32> { if v.len()!=4 {return Err(Error::Inval)} Ok(i32::from_ne_bytes([v[0],v[1],v[2],v[3]])) }
pub fn bool_value(v: &[u8]) -> Result<bool> { match int_value(v)? {0=>Ok(false),1=>Ok(true),_=>Err(Error::Inval)} }
pub fn put_int(out: &mut [u8], v: i32) -> Result<usize> { if out.len()<4 {return Err(Error::Inval)} out[..4].copy_from_slice(&v.to_ne_bytes()); Ok(4) }
