package web

import "testing"

// TestDeviceName: the sessions page names a device by its system and
// browser in a resident's words, the more particular name winning
// (WeChat's browser over Chrome, 企业微信 over WeChat, Edge over Chrome,
// Chrome on iPhone over Safari, HarmonyOS over Android, Android over
// Linux), with a space where Chinese meets Latin letters.
func TestDeviceName(t *testing.T) {
	for _, c := range []struct{ ua, want string }{
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
			"iPhone 上的 Safari 浏览器"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 " +
			"Mobile/15E148 Safari/604.1", "iPhone 上的 Chrome 浏览器"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 " +
			"MicroMessenger/8.0.49(0x18003137) NetType/WIFI Language/zh_CN", "iPhone 上的微信"},
		{"Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 Version/16.6 Mobile/15E148 Safari/604.1",
			"iPad 上的 Safari 浏览器"},
		{"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0", "安卓手机上的微信"},
		{"Mozilla/5.0 (Linux; Android 12; V2183A; wv) AppleWebKit/537.36 Version/4.0 Chrome/101.0 Mobile Safari/537.36 " +
			"wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh", "安卓手机上的企业微信"},
		{"Mozilla/5.0 (Linux; U; Android 13; zh-cn; PGT-AN10) AppleWebKit/537.36 Chrome/109.0 MQQBrowser/14.8 Mobile Safari/537.36",
			"安卓手机上的 QQ 浏览器"},
		{"Mozilla/5.0 (Linux; Android 10; HarmonyOS; NOH-AN00; HMSCore 6.11.0.302) AppleWebKit/537.36 Chrome/99.0 " +
			"HuaweiBrowser/14.0.1.300 Mobile Safari/537.36", "鸿蒙手机上的华为浏览器"},
		{"Mozilla/5.0 (Phone; OpenHarmony 4.1) AppleWebKit/537.36 Chrome/114.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile " +
			"HuaweiBrowser/5.0.4.300", "鸿蒙手机上的华为浏览器"},
		{"Mozilla/5.0 (Linux; U; Android 12; zh-CN; M2102K1C) AppleWebKit/537.36 Chrome/100.0 UCBrowser/16.2 Mobile Safari/537.36",
			"安卓手机上的 UC 浏览器"},
		{"Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "安卓平板上的 Chrome 浏览器"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0",
			"Windows 电脑上的 Edge 浏览器"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/108.0 Safari/537.36 QIHU 360SE", "Windows 电脑上的 360 浏览器"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0; rv:120.0) Gecko/20100101 Firefox/120.0", "苹果电脑上的 Firefox 浏览器"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36", "Linux 电脑上的 Chrome 浏览器"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
			"Linux 电脑上的 Chrome 浏览器"},
		{"Mozilla/5.0 (X11; Linux x86_64)", "Linux 电脑"},
		{"Go-http-client/1.1 (curl-like) Firefox", "Firefox 浏览器"},
		{"curl/8.5.0", "其他客户端"},
		{"", "未知设备"},
	} {
		if got := deviceName(c.ua); got != c.want {
			t.Errorf("deviceName(%q) = %q, want %q", c.ua, got, c.want)
		}
	}
}
